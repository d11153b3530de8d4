// Dead-letter bursts counted across every bridge replica: each replica signals this one workflow for
// each dead letter it publishes, so three replicas that see two letters each make one burst of six.
// A burst pages once (its alert's id names the instant it began); when no dead letter has come for a
// whole window, the burst is over, PagerDuty is told it resolved, and the next burst pages again.
import * as wf from '@temporalio/workflow';
import type { AlertActivities } from './activities';
import { burstAlert, type Burst, type BurstRule } from './bursts';
import { pipeline } from '../pipeline/definition';
import { failureMessage } from '../temporal/failure';
import { aFewTimes } from '../temporal/activity-options';

/** The one counting workflow: started by the first dead letter, ended by a quiet window. */
export const deadLetterBurstsWorkflowId = 'dead-letter-bursts';

export interface DeadLetterSeen {
  /** The kind of reason (`invalid`, `late`, …). */
  kind: string;
  /** When the bridge published it (ms since the epoch). */
  at: number;
}

export const deadLetterSeenSignal = wf.defineSignal<[DeadLetterSeen]>('deadLetterSeen');

export interface DeadLetterBurstsState {
  /** The latest dead letters within a window, at most one more than the rule allows. */
  recent: DeadLetterSeen[];
  /** The burst going on, if one is. */
  burst?: Burst;
}

const { sendAlert, resolveAlert } = wf.proxyActivities<AlertActivities>({
  startToCloseTimeout: '30 seconds',
  retry: aFewTimes,
});

export async function deadLetterBurstsWorkflow(
  state: DeadLetterBurstsState = { recent: [] },
  rule: BurstRule = pipeline.watch.deadLetterBurst,
): Promise<void> {
  const inbox: DeadLetterSeen[] = [];
  wf.setHandler(deadLetterSeenSignal, (seen) => void inbox.push(seen));
  let { recent, burst } = state;

  for (;;) {
    const arrived = await wf.condition(() => inbox.length > 0, rule.within);
    if (!arrived) {
      // A whole window without a dead letter: the burst, if any, is over.
      if (burst) await resolveAlert(burstAlert(burst, rule)).catch(notDelivered('resolve'));
      burst = undefined;
      recent = [];
      if (inbox.length === 0) return;
      continue;
    }
    for (const seen of inbox.splice(0)) {
      if (burst) {
        burst.count += 1;
        burst.reasons[seen.kind] = (burst.reasons[seen.kind] ?? 0) + 1;
        burst.lastAt = Math.max(burst.lastAt, seen.at);
        continue;
      }
      recent = [...recent, seen]
        .sort((a, b) => a.at - b.at)
        .filter((letter, _, all) => all[all.length - 1]!.at - letter.at <= rule.within)
        .slice(-(rule.moreThan + 1));
      if (recent.length > rule.moreThan) {
        const reasons: Record<string, number> = {};
        for (const { kind } of recent) reasons[kind] = (reasons[kind] ?? 0) + 1;
        burst = { count: recent.length, reasons, firstAt: recent[0]!.at, lastAt: recent[recent.length - 1]!.at };
        recent = [];
        await sendAlert(burstAlert(burst, rule)).catch(notDelivered('raise'));
      }
    }
    if (wf.workflowInfo().continueAsNewSuggested) {
      await wf.condition(wf.allHandlersFinished);
      const carried: DeadLetterSeen[] = [...recent, ...inbox.splice(0)];
      return wf.continueAsNew<typeof deadLetterBurstsWorkflow>({ recent: carried, ...(burst ? { burst } : {}) }, rule);
    }
  }
}

const notDelivered = (what: string) => (error: unknown) =>
  wf.log.error('dead-letter burst alert not raised', { what, error: failureMessage(error) });
