// Phase 5, one child run per date. Predictions start once: when phase 4 is done (the event path),
// or — if it is not done by the backup deadline — after up to 30 more minutes of checking phase 4
// readiness in BigQuery (the backup path). Then stragglers are retried, and the SLA is checked.
// A day the schedule says has no games starts nothing, retries nothing and alerts on nothing.
import * as wf from '@temporalio/workflow';
import { pipeline } from '../pipeline/definition';
import { workflowIdFor } from '../pipeline/ids';
import { failureMessage } from '../temporal/failure';
import { Phase5Day, type Phase5Input } from './day';
import { searchable } from '../temporal/search-attributes';
import {
  backfillSignal,
  correlationIdSignal,
  phase4DoneSignal,
  phase5FailedSignal,
  phase5FinishedSignal,
  predictionsCompleteSignal,
  pushPhase5Signal,
  type Phase5End,
} from '../date-run/signals';

export type { Phase5Input };

export async function phase5Workflow(input: Phase5Input): Promise<void> {
  const run = wf.getExternalWorkflowHandle(workflowIdFor(input.gameDate));
  searchable(input.gameDate, input.correlationId, 'phase5');
  const day = new Phase5Day(input, run);
  wf.setHandler(phase4DoneSignal, (done) => day.phase4Finished(done));
  wf.setHandler(predictionsCompleteSignal, () => day.predictionsCompleted());
  wf.setHandler(backfillSignal, () => day.backfillRequested());
  wf.setHandler(pushPhase5Signal, (source) => day.pushedBy(source));
  wf.setHandler(correlationIdSignal, (id) => day.learnCorrelation(id));

  const end = await startAndFollowUp(day).catch(async (error: unknown) => {
    // The date's run starts phase 5 again where it was; without this it would never know.
    if (!wf.isCancellation(error)) await run.signal(phase5FailedSignal, failureMessage(error));
    throw error;
  });
  await run.signal(phase5FinishedSignal, end);
}

async function startAndFollowUp(day: Phase5Day): Promise<Phase5End> {
  // Start predictions, exactly once, by whichever path wins — unless the day has no games.
  const start = day.alreadyStarted() ? undefined : await day.waitForPhase4OrBackup();
  if (start && 'noGames' in start) {
    wf.log.info('no games scheduled: no predictions, retries or SLA check', { game_date: start.noGames.gameDate });
    return { noGames: start.noGames };
  }
  await day.startPredictions(start);
  if (!day.deadlinesApply() || day.backfill) return {};

  // Stragglers: ask again for the players still missing a prediction.
  for (const [index, hhmm] of pipeline.phase5.retryAt.entries()) await day.retryStragglers(index, hhmm);

  // The SLA: coverage under the minimum is a critical alert.
  await day.checkSla();
  return {};
}
