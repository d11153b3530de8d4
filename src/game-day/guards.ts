// The run's guards on its own bookkeeping: the close recorded (or paged), and the state it carries
// across continue-as-new kept far below Temporal's payload limit.
import * as wf from '@temporalio/workflow';
import type { RunHistoryActivities } from '../run-history/activities';
import type { ClosedRun } from '../run-history/run-history';
import { pipeline } from '../pipeline/definition';
import { failureMessage } from '../temporal/failure';
import { raiseRunAlert, type RunEventLog } from './events';
import { carriedBytes, trimRejections, unwrittenEventsKeptWhenLarge, type GameDayState } from './state';
import { untilItWorks } from '../temporal/activity-options';

const { recordRunClosed } = wf.proxyActivities<RunHistoryActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: pipeline.runHistory.writeDeadline,
  retry: untilItWorks,
});

/**
 * Records the run's close in the run history, trying for the write's deadline. A close that cannot
 * be recorded pages and the run still ends: `pipeline health` finds the date and records it.
 */
export async function recordCloseOrAlert(events: RunEventLog, state: GameDayState, run: ClosedRun): Promise<void> {
  try {
    await recordRunClosed(run);
  } catch (error) {
    await raiseRunAlert(events, state, {
      kind: 'run-close-unrecorded',
      severity: 'critical',
      title: `run closed ${run.outcome} but its close is not in the run history: pipeline health records it`,
      details: { reason: failureMessage(error), run_id: run.runId, outcome: run.outcome },
    });
  }
}

/**
 * Measures the state the run is about to carry and, far below Temporal's payload limit, trims what
 * is safe to trim (unwritten events, older rejections) and alerts, as a step. True when it alerted.
 */
export async function guardCarriedState(
  state: GameDayState,
  events: RunEventLog,
  step: (act: () => Promise<void>) => Promise<void>,
): Promise<boolean> {
  const limit = pipeline.lifetime.carriedStateAlertBytes;
  const before = carriedBytes(state);
  if (before < limit) return false;
  events.keepAtMost(unwrittenEventsKeptWhenLarge);
  trimRejections(state);
  const after = carriedBytes(state);
  await step(() =>
    raiseRunAlert(events, state, {
      kind: 'carried-state-large',
      severity: after < limit ? 'warning' : 'critical',
      title: `the run's carried state reached ${kib(before)} KiB (alert at ${kib(limit)} KiB): trimmed to ${kib(after)} KiB`,
      details: { bytes_before: before, bytes_after: after, dropped_events: state.eventsDropped ?? 0 },
    }),
  );
  return true;
}

const kib = (bytes: number): number => Math.round(bytes / 1024);
