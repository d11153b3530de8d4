// From what the observer saw to the suite's figures: lost triggers, trigger ids the orchestrator
// decided to fire twice, and raw republishes of one decision (allowed, but counted).
import { triggerKey, type Observed, type TriggerKey } from './observer';

export interface TriggerFigures {
  expected: number;
  /** Expected and never seen. */
  lost: TriggerKey[];
  /** Seen with two or more different `timestamp`s: fired twice. */
  duplicateTriggerIds: TriggerKey[];
  /** The same decision (id and timestamp) published again under a new Pub/Sub message id. */
  rawRepublishes: number;
  /** Seen for the scenario's dates but not expected (e.g. a straggler retry on a past date). */
  unexpected: TriggerKey[];
}

const dateOfTriggerId = (triggerId: string): string | undefined =>
  /^game-day-(\d{4}-\d{2}-\d{2})\//.exec(triggerId)?.[1];

/** The triggers observed for `dates`, grouped by key. */
export function triggersFor(observed: readonly Observed[], dates: ReadonlySet<string>): Map<TriggerKey, Observed[]> {
  const byKey = new Map<TriggerKey, Observed[]>();
  for (const o of observed) {
    const date = o.triggerId && dateOfTriggerId(o.triggerId);
    if (!date || !dates.has(date)) continue;
    const key = triggerKey(o.topic, o.triggerId!);
    byKey.set(key, [...(byKey.get(key) ?? []), o]);
  }
  return byKey;
}

export function tallyTriggers(
  observed: readonly Observed[],
  expected: readonly TriggerKey[],
  dates: ReadonlySet<string>,
): TriggerFigures {
  const seen = triggersFor(observed, dates);
  const expectedSet = new Set(expected);
  let rawRepublishes = 0;
  const duplicateTriggerIds: TriggerKey[] = [];
  for (const [key, copies] of seen) {
    const messageIdsByDecision = new Map<string, Set<string>>();
    for (const c of copies) {
      const ids = messageIdsByDecision.get(c.timestamp ?? '') ?? new Set<string>();
      messageIdsByDecision.set(c.timestamp ?? '', ids.add(c.messageId));
    }
    if (messageIdsByDecision.size > 1) duplicateTriggerIds.push(key);
    for (const ids of messageIdsByDecision.values()) rawRepublishes += ids.size - 1;
  }
  return {
    expected: expected.length,
    lost: expected.filter((key) => !seen.has(key)),
    duplicateTriggerIds,
    rawRepublishes,
    unexpected: [...seen.keys()].filter((key) => !expectedSet.has(key)),
  };
}

/** Waits until `done`, or until `progress` stopped changing for `idleMs`; returns `done()`. */
export async function settle(done: () => boolean, progress: () => number, idleMs: number): Promise<boolean> {
  let last = progress();
  let lastChange = Date.now();
  while (!done()) {
    if (Date.now() - lastChange > idleMs) return false;
    await new Promise((r) => setTimeout(r, 50));
    const now = progress();
    if (now !== last) [last, lastChange] = [now, Date.now()];
  }
  return true;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
