// One durable run per game date: it collects every processor's completion and decides, once,
// when each phase is complete and the next one may start. Phase 4's cascade and phase 5 run as
// child workflows and report back by signal. The steps and the state live in `GameDay`; operators'
// commands in `game-day-commands.ts`.
import * as wf from '@temporalio/workflow';
import { pipeline } from '../pipeline/definition';
import { manualCompletionUpdate, manualTriggerUpdate, refuseCompletion, refuseTrigger } from './commands';
import { GameDay, type GameDayInput, type GameDayOutcome } from './game-day-run';
import { handleLeases } from './leases';
import { observeLatencies } from './pipeline-metrics';
import { manualCompletion, manualTrigger, noteRerun } from './game-day-commands';
import { closeDay, restartPhase5 } from './game-day-lifecycle';
import { exportBetterBatches } from './game-day-predictions';
import { phase3Trigger, phase6Trigger } from './game-day-triggers';
import {
  backfillDoneSignal,
  backfillSignal,
  completionSignal,
  openSignal,
  phase4DoneSignal,
  phase5FailedSignal,
  phase5FinishedSignal,
  statusQuery,
  stepFiredSignal,
} from './signals';

export type { GameDayInput, GameDayOutcome, GameDayState } from './game-day-run';
export { completionSignal, openSignal, statusQuery } from './signals';
export { manualCompletionUpdate, manualTriggerUpdate } from './commands';

export async function gameDayWorkflow(input: GameDayInput): Promise<GameDayOutcome> {
  const day = new GameDay(input);
  const leases = handleLeases(day.state);
  wf.setHandler(completionSignal, (completion) => {
    leases.completionArrived(completion);
    return day.receive(completion);
  });
  wf.setHandler(openSignal, () => undefined);
  wf.setHandler(statusQuery, () => day.status());
  wf.setHandler(stepFiredSignal, (step) => {
    day.stepFired(step);
    observeLatencies(day.state.received, step); // the children's triggers
  });
  wf.setHandler(phase4DoneSignal, (done) => day.phase4Finished(done));
  wf.setHandler(phase5FinishedSignal, (end) => day.phase5Finished(end));
  wf.setHandler(phase5FailedSignal, (reason) => restartPhase5(day, reason));
  wf.setHandler(manualTriggerUpdate, (request) => manualTrigger(day, request), { validator: refuse(refuseTrigger) });
  wf.setHandler(manualCompletionUpdate, (request) => manualCompletion(day, request), {
    validator: refuse(refuseCompletion),
  });
  wf.setHandler(backfillSignal, () => day.backfillRequested());
  wf.setHandler(backfillDoneSignal, () => void (day.state.backfillDone = day.state.backfill));

  // A date that closed before stays closed, even after Temporal has forgotten its run.
  const closed = await day.closedBefore();
  if (closed) return day.endAsLate(closed);
  leases.dateChecked();
  if (input.rerun && !input.state) noteRerun(day, input.rerun);
  return Promise.race([
    day.continueAsNewWhenSafe(),
    day.writeEventsWhenDue(),
    exportBetterBatches(day),
    theDay(day),
    closedByBackfill(day),
  ]);
}

/** A backfilled date closes when its backfill is done with it: no later phase is coming. */
async function closedByBackfill(day: GameDay): Promise<GameDayOutcome> {
  await wf.condition(() => day.state.backfillDone === true);
  if (day.state.closed) return new Promise<never>(() => undefined); // it is closing already
  return closeDay(day, 'completed');
}

async function theDay(day: GameDay): Promise<GameDayOutcome> {
  const { state } = day;
  // A rerun starts at its phase at once: the phases before it are not triggered again.
  const from = state.rerun?.fromPhase;
  const startsAt = (phase: string) => from === phase;
  const skips = (phase: string) => from !== undefined && from > phase;
  const source = (phase: string) => (startsAt(phase) ? ('rerun' as const) : ('orchestrator' as const));
  // A day without games (phase 5 read the schedule) waits for nothing more.
  const until = async (ready: () => boolean) => (await day.waitFor(() => ready() || !!state.noGames)) && ready();

  // Phase 5 runs from the start, so its deadlines hold even if nothing upstream ever arrives.
  if (skips('phase5')) day.phase5Finished();
  else await day.startPhase5(startsAt('phase5') ? 'rerun' : undefined);

  const [upstream, downstream] = await Promise.all([
    (async () => {
      // Phase 2 → 3: once all 21 raw processors are complete (or an operator said so), one phase 3 trigger.
      if (!skips('phase3')) {
        const phase2Done = () => day.phaseComplete('phase2') || !!state.triggers.phase3;
        if (!startsAt('phase3') && !(await until(phase2Done))) return false;
        await day.fire('phase3', pipeline.topics.phase3Trigger, phase3Trigger(state, source('phase3')));
      }
      if (skips('phase4')) return true;
      // Phase 3 → 4: once all 5 analytics processors are complete, the cascade runs its levels.
      const phase3Done = () => day.phaseComplete('phase3') || !!state.children.phase4;
      if (!startsAt('phase4') && !(await until(phase3Done))) return false;
      await day.startPhase4(startsAt('phase4') ? { level: 1, source: 'rerun' } : undefined);
      return until(() => state.phase4Done !== undefined);
    })(),
    (async () => {
      // Phase 5 → 6: the first prediction batch through the gate starts the exports, once.
      const predicted = () => state.acceptedPrediction !== undefined || !!state.triggers.phase6;
      if (!startsAt('phase6') && !(await until(predicted))) return false;
      await day.fire('phase6', pipeline.topics.phase6ExportTrigger, phase6Trigger(state, source('phase6')));
      await day.runExports();
      return true;
    })(),
  ]);

  // Then the date stays open for late duplicates until phase 5's deadlines are behind it.
  const finished = upstream && downstream && (await day.waitFor(() => state.phase5Finished === true));
  if (finished || state.noGames) await day.closeWhenQuiet();
  return closeDay(day, finished ? 'completed' : state.noGames ? 'no_games' : 'expired');
}

/** An update validator from a check that returns why it refuses. */
function refuse<T>(check: (request: T) => string | undefined): (request: T) => void {
  return (request) => {
    const refused = check(request);
    if (refused) throw new Error(refused);
  };
}
