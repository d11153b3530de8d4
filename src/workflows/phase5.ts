// Phase 5, one child run per date. Predictions start once: when phase 4 is done (the event path),
// or — if it is not done by the backup deadline — after up to 30 more minutes of checking phase 4
// readiness in BigQuery (the backup path). Then stragglers are retried, and the SLA is checked.
import * as wf from '@temporalio/workflow';
import { pipeline } from '../pipeline/definition';
import { triggerKeys, workflowIdFor } from '../pipeline/ids';
import { zonedInstant } from '../pipeline/time';
import { failureMessage } from './failure';
import { fireOnce } from './fire';
import { checkSla, readsUntil } from './phase5-reads';
import { searchable } from './search-attributes';
import {
  backfillSignal,
  correlationIdSignal,
  phase4DoneSignal,
  phase5FailedSignal,
  phase5FinishedSignal,
  predictionsCompleteSignal,
  pushPhase5Signal,
  stepFiredSignal,
  type Phase4Done,
  type PushSource,
  type StepFired,
} from './signals';

/** Runs started before it stopped retrying once a batch passed the gate (85 % coverage got no retry). */
const stragglersAfterGate = 'stragglers-retried-after-gate';

export interface Phase5Input {
  gameDate: string;
  correlationId: string | null;
  backfill: boolean;
  /** When the date's run opened: deadlines apply only to runs opened before the SLA check. */
  openedAt: string;
  /** What an earlier phase 5 run of the date did and knew, when this one replaces it. */
  resume?: { fired: Record<string, StepFired>; phase4?: Phase4Done; predictionsComplete: boolean };
  /** A rerun's id scope (`rerun-<n>`): its trigger ids differ from the first run's. */
  scope?: string;
  /** Start predictions at once (a rerun from phase 5). */
  pushed?: PushSource;
}

export async function phase5Workflow(input: Phase5Input): Promise<void> {
  const run = wf.getExternalWorkflowHandle(workflowIdFor(input.gameDate));
  searchable(input.gameDate, input.correlationId, 'phase5');
  try {
    await startAndFollowUp(input, run);
  } catch (error) {
    // The date's run starts phase 5 again where it was; without this it would never know.
    if (!wf.isCancellation(error)) await run.signal(phase5FailedSignal, failureMessage(error));
    throw error;
  }
  await run.signal(phase5FinishedSignal);
}

async function startAndFollowUp(input: Phase5Input, run: wf.ExternalWorkflowHandle): Promise<void> {
  const { gameDate } = input;
  let correlationId = input.correlationId;
  const schedule = pipeline.phase5;
  let backfill = input.backfill;
  let phase4: Phase4Done | undefined = input.resume?.phase4;
  let predictionsComplete = input.resume?.predictionsComplete ?? false;
  const fired: Record<string, StepFired> = { ...input.resume?.fired };
  let pushed = input.pushed;
  const goAhead = () => phase4 !== undefined || pushed !== undefined;

  wf.setHandler(phase4DoneSignal, (done) => {
    phase4 ??= done;
  });
  wf.setHandler(predictionsCompleteSignal, () => {
    predictionsComplete = true;
  });
  wf.setHandler(backfillSignal, () => {
    backfill = true;
  });
  wf.setHandler(pushPhase5Signal, (source) => {
    pushed ??= source;
  });
  wf.setHandler(correlationIdSignal, (id) => {
    correlationId ??= id;
  });

  const at = (hhmm: string) => zonedInstant(gameDate, hhmm, schedule.timeZone);
  const untilAt = (instant: number) => Math.max(0, instant - Date.now());
  const timed = Date.parse(input.openedAt) <= at(schedule.slaCheckAt);

  // Start predictions, exactly once, by whichever path wins.
  let source: 'orchestrator' | 'backup' | PushSource = 'orchestrator';
  let players = { ready: null as number | null, total: null as number | null };
  if (fired.phase5) {
    // A restarted phase 5: predictions were started by the run it replaces.
  } else if (!timed) {
    await wf.condition(goAhead);
  } else if (!(await wf.condition(goAhead, untilAt(at(schedule.backupAt))))) {
    const giveUpAt = Date.now() + schedule.backupWaitsUpTo;
    for (;;) {
      const rows = await readsUntil(giveUpAt)
        .featureRowCount(gameDate)
        .catch((error: unknown) => {
          wf.log.warn('phase 4 readiness unknown: BigQuery did not answer in time', {
            game_date: gameDate,
            error: failureMessage(error),
          });
          return 0;
        });
      if (goAhead()) break;
      if (rows > 0 || Date.now() >= giveUpAt) {
        source = 'backup';
        players = { ready: rows, total: null };
        break;
      }
      await wf.condition(goAhead, Math.min(schedule.readinessCheckEvery, untilAt(giveUpAt)));
    }
  }
  if (pushed && !phase4) source = pushed;
  if (source === 'orchestrator' && phase4) players = { ready: phase4.playersReady, total: phase4.playersTotal };

  const start = await fireOnce(
    fired,
    'phase5',
    backfill,
    pipeline.topics.phase5Start,
    {
      game_date: gameDate,
      correlation_id: correlationId,
      trigger_source: source,
      triggered_by: source === 'backup' ? pipeline.triggeredBy.phase5Backup : pipeline.triggeredBy.phase5,
      upstream_processors_count: pipeline.phase4Levels.flatMap((l) => l.processors).length,
      phase: 'phase5',
      players_ready: players.ready,
      players_total: players.total,
    },
    input.scope,
  );
  await run.signal(stepFiredSignal, start);
  if (!timed || backfill) return;

  // Stragglers: ask again for the players still missing a prediction.
  for (const [index, hhmm] of schedule.retryAt.entries()) {
    if (Date.now() >= at(hhmm)) continue; // started after this retry time: too soon to retry
    await wf.sleep(untilAt(at(hhmm)));
    // Seed 004: retry whenever players lack a prediction, even after a batch passed the 5→6 gate.
    if (predictionsComplete && !wf.patched(stragglersAfterGate)) break;
    const nextDeadline = at(schedule.retryAt[index + 1] ?? schedule.slaCheckAt);
    const missing = await readsUntil(nextDeadline)
      .playersMissingPredictions(gameDate)
      .catch((error: unknown) => {
        wf.log.warn('stragglers unknown; retry skipped', {
          game_date: gameDate,
          at: hhmm,
          error: failureMessage(error),
        });
        return [];
      });
    if (missing.length === 0) continue;
    const attempt = index + 1;
    const retry = await fireOnce(
      fired,
      triggerKeys.phase5Retry(attempt),
      backfill,
      pipeline.topics.phase5Retry,
      {
        game_date: gameDate,
        correlation_id: correlationId,
        trigger_source: 'scheduler',
        triggered_by: pipeline.triggeredBy.phase5Retry,
        upstream_processors_count: 0,
        phase: 'phase5',
        attempt,
        players: missing,
      },
      input.scope,
    );
    await run.signal(stepFiredSignal, retry);
  }

  // The SLA: coverage under the minimum is a critical alert.
  await wf.sleep(untilAt(at(schedule.slaCheckAt)));
  await checkSla(gameDate, correlationId, at(schedule.slaCheckAt));
}
