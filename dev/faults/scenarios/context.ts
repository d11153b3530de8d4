// What every scenario gets (the stack, the observer, fresh dates, a seeded random source) and the
// checks they share: the day figures, the scenario's dead letters, restarts while it ran.
import { seedSampleDay } from '../../sample/sample-day';
import { deadLetterReason, deadLetterSourceId, type Observed, type Observer } from '../observer';
import type { Random } from '../random';
import { noFigures, type Figures, type ScenarioResult } from '../report';
import type { FaultStack } from '../stack';
import { logSize } from '../log-tail';
import { settle, tallyTriggers } from '../tally';
import { slateOf, type Driven } from '../days';
import type { Client } from '@temporalio/client';
import { eventDrivenExport } from '../../../src/pipeline/exports';
import {
  exportWorkflowIdFor,
  phase4CascadeWorkflowId,
  phase5WorkflowId,
  workflowIdFor,
} from '../../../src/pipeline/ids';
import { errorDetail } from '../../../src/platform/errors';

export interface SuiteContext {
  stack: FaultStack;
  observer: Observer;
  /** Past dates no other scenario used. */
  nextDates(count: number): string[];
  random: Random;
  /** The longest one step of days may take, however busy the processes look. */
  stepAtMostMs: number;
  /** Progress, for the console. */
  say(line: string): void;
}

export interface Scenario {
  name: string;
  run(ctx: SuiteContext): Promise<ScenarioResult>;
}

/** Runs `body`; a harness error becomes a failed result rather than ending the suite. */
export async function scenario(
  name: string,
  body: () => Promise<{ figures: Figures; failures: string[]; notes?: string[] }>,
): Promise<ScenarioResult> {
  const started = Date.now();
  try {
    const { figures, failures, notes } = await body();
    return {
      name,
      passed: failures.length === 0,
      wall_ms: Date.now() - started,
      ...figures,
      failures,
      ...(notes?.length ? { notes } : {}),
    };
  } catch (error) {
    const reason = errorDetail(error);
    return { name, passed: false, wall_ms: Date.now() - started, ...noFigures, failures: [`harness error: ${reason}`] };
  }
}

/** Dead letters of what the scenario published, or mentioning one of its dates. */
export function deadLettersFor(
  observer: Observer,
  published: ReadonlySet<string>,
  dates: readonly string[],
): Observed[] {
  return observer.deadLetters.filter((letter) => {
    const source = deadLetterSourceId(letter);
    if (source && published.has(source)) return true;
    const data = letter.data.toString('utf8');
    return dates.some((date) => data.includes(date));
  });
}

/** The figures and failures of days driven through the stack: each trigger once, nothing dead-lettered. */
export function dayFigures(
  observer: Observer,
  dates: readonly string[],
  driven: Driven,
): { figures: Figures; failures: string[] } {
  const t = tallyTriggers(observer.triggers, driven.expected, new Set(dates.flatMap((d) => [d, slateOf(d)])));
  const deadLetters = deadLettersFor(observer, driven.published, dates);
  const failures = [
    ...(t.lost.length ? [`lost ${t.lost.length}: ${sample(t.lost)}`] : []),
    ...(t.duplicateTriggerIds.length
      ? [`fired twice ${t.duplicateTriggerIds.length}: ${sample(t.duplicateTriggerIds)}`]
      : []),
    ...(t.unexpected.length ? [`unexpected triggers ${t.unexpected.length}: ${sample(t.unexpected)}`] : []),
    ...(deadLetters.length
      ? [`good messages dead-lettered ${deadLetters.length}: ${sample(deadLetters.map(reasonOf))}`]
      : []),
  ];
  return {
    figures: {
      dates: dates.length,
      expected_triggers: t.expected,
      lost: t.lost.length,
      duplicate_trigger_ids: t.duplicateTriggerIds.length,
      raw_republishes: t.rawRepublishes,
      dead_letters: deadLetters.length,
    },
    failures,
  };
}

const reasonOf = (letter: Observed) => deadLetterReason(letter) ?? '(no reason)';

/** A few examples of a long list, for a one-line failure. */
export function sample(items: readonly string[], max = 3): string {
  const unique = [...new Set(items)];
  return unique.slice(0, max).join('; ') + (unique.length > max ? `; … (${unique.length - max} more)` : '');
}

/** Counts the supervised processes' exits from now on. */
export function exitsSince(stack: FaultStack): () => { worker: number; bridge: number; unplanned: number } {
  const [worker, bridge] = [stack.worker.exits.length, stack.bridge.exits.length];
  return () => {
    const w = stack.worker.exits.slice(worker);
    const b = stack.bridge.exits.slice(bridge);
    return { worker: w.length, bridge: b.length, unplanned: [...w, ...b].filter((e) => !e.killed).length };
  };
}

/** BigQuery rows for the slates of nights that go through the exports (the export queries read them). */
export async function seedExportDays(stack: FaultStack, nights: readonly string[]): Promise<void> {
  for (const date of nights.map(slateOf)) {
    await seedSampleDay(stack.bigquery.bigquery, date, {
      players: 120,
      predictionCoverage: 0.95,
      correlationId: `faults-${date}`,
    });
  }
}

/** Fault → the last of the dates' triggers seen (null when some never came). */
export function drainedSince(
  observer: Observer,
  dates: readonly string[],
  faultAt: number,
  lost: number,
): number | null {
  if (lost > 0) return null;
  const prefixes = dates.flatMap((date) => [date, slateOf(date)]).map((date) => `${workflowIdFor(date)}/`);
  const times = observer.triggers.filter((o) => prefixes.some((p) => o.triggerId?.startsWith(p))).map((o) => o.at);
  return Math.max(faultAt, ...times) - faultAt;
}

/** Waits until the worker and the bridge have logged nothing for a few seconds (at most 10 minutes). */
export async function quiet(stack: FaultStack, forMs = 3_000, atMostMs = 10 * 60_000): Promise<void> {
  const activity = () => logSize(stack.bridge.logFile) + logSize(stack.worker.logFile);
  const giveUpAt = Date.now() + atMostMs;
  await settle(() => Date.now() > giveUpAt, activity, forMs);
}

/** Every run of the dates' workflows: how many continued as new, and which failed or were cut short. */
export async function runsOf(
  client: Client,
  dates: readonly string[],
): Promise<{ continuedAsNew: number; bad: string[] }> {
  let continuedAsNew = 0;
  const bad: string[] = [];
  // A night's results live in its date's run; the slate they start, in the next game date's.
  const slates = [...new Set(dates.map(slateOf))];
  const ids = [
    ...dates.map(workflowIdFor),
    ...slates.flatMap((d) => [
      workflowIdFor(d),
      phase4CascadeWorkflowId(d),
      phase5WorkflowId(d),
      exportWorkflowIdFor(d, eventDrivenExport.set),
    ]),
  ];
  for (const id of ids) {
    for await (const run of client.workflow.list({ query: `WorkflowId = "${id}"` })) {
      if (run.status.name === 'CONTINUED_AS_NEW') continuedAsNew += 1;
      if (['FAILED', 'TERMINATED', 'TIMED_OUT'].includes(run.status.name))
        bad.push(`${id} ${run.runId} ${run.status.name}`);
    }
  }
  return { continuedAsNew, bad };
}
