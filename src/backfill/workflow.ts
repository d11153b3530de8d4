// One durable backfill drives a range of past game dates through the phases: for each date, the
// triggers from --from-phase to --through-phase in order (the results of the date, then the slate
// of the next game date), each once the processors the step before started have succeeded, with at
// most --max-active dates under way. Each date's run is put in backfill mode first, so its own
// rules publish nothing, and closes when the backfill is done with it. Pause, resume and cancel are
// updates, recorded with who asked and why. The state and the steps live in `Backfill`; the handlers
// are set here.
import * as wf from '@temporalio/workflow';
import { pipeline } from '../pipeline/definition';
import { Backfill, type BackfillInput, type BackfillProgress } from './run';
import { historyTooLong } from '../temporal/history';

export type { BackfillInput, BackfillProgress } from './run';

/** Who asks, and why: recorded in the backfill's history and its progress. */
export interface BackfillCommand {
  by: string;
  reason: string;
}

export const backfillProgressQuery = wf.defineQuery<BackfillProgress>('backfillProgress');
export const pauseBackfillUpdate = wf.defineUpdate<BackfillProgress, [BackfillCommand]>('pauseBackfill');
export const resumeBackfillUpdate = wf.defineUpdate<BackfillProgress, [BackfillCommand]>('resumeBackfill');
/**
 * Stops the backfill: no further trigger, dates under way are left where they are. A signal, as the
 * backfill ends on it (its result, or the progress query, says how far it got).
 */
export const cancelBackfillSignal = wf.defineSignal<[BackfillCommand]>('cancelBackfill');

const needsReason = (command: BackfillCommand): void => {
  if (!command.reason.trim()) throw new Error('a reason is required');
};

export async function backfillWorkflow(input: BackfillInput): Promise<BackfillProgress> {
  const run = new Backfill(input);
  wf.setHandler(backfillProgressQuery, () => run.progress());
  wf.setHandler(pauseBackfillUpdate, ({ by, reason }) => run.command('pause', by, reason), { validator: needsReason });
  wf.setHandler(resumeBackfillUpdate, ({ by, reason }) => run.command('resume', by, reason), {
    validator: needsReason,
  });
  wf.setHandler(cancelBackfillSignal, ({ by, reason }) => void run.command('cancel', by, reason));

  const limit = input.continueAsNewAfterEvents ?? pipeline.backfill.continueAsNewAfterEvents;
  const { state } = run;
  while (!run.finished()) {
    await wf.condition(() => !state.paused || state.cancelled);
    if (state.cancelled) break;
    const moved = await run.tick();
    if (run.finished()) break;
    // Between ticks nothing is under way: a long range goes on in a new run, where it was.
    if (historyTooLong(limit)) {
      await wf.condition(wf.allHandlersFinished);
      return wf.continueAsNew<typeof backfillWorkflow>({ ...input, state, continueAsNewAfterEvents: limit });
    }
    await run.restAfter(moved);
  }
  await wf.condition(wf.allHandlersFinished);
  return run.progress();
}
