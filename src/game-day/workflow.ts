// One durable run per game date, with two halves on two mornings. The results of the date (phases
// 2, 3) come the night after its games; once complete they are handed over to the slate of the next
// game date. The slate of the date (phases 4, 5, 6) is the work for its own games, on its morning:
// its phase 4 starts from the results handed over to it. Phase 4's cascade and phase 5 run as child
// workflows and report back by signal. The state and its parts (the steps among them) live in
// `GameDay`; operators' commands in `commands.ts`.
import * as wf from '@temporalio/workflow';
import { pipeline, type PhaseKey } from '../pipeline/definition';
import { isBefore } from '../pipeline/phase-order';
import { manualCompletionUpdate, manualTriggerUpdate, refuseCompletion, refuseTrigger } from '../date-run/commands';
import { GameDay, type GameDayInput, type GameDayOutcome } from './run';
import { observeLatencies } from '../triggers/pipeline-metrics';
import { manualCompletion, manualTrigger, noteRerun } from './commands';
import { closeDay, restartPhase5 } from './lifecycle';
import { exportBetterBatches } from './predictions';
import { handOver } from './handover';
import { phase3Trigger, phase6Trigger } from './triggers';
import {
  backfillDoneSignal,
  backfillSignal,
  completionSignal,
  openSignal,
  phase4DoneSignal,
  phase5FailedSignal,
  phase5FinishedSignal,
  resultsHandedOverSignal,
  stepFiredSignal,
} from '../date-run/signals';
import { statusQuery } from '../date-run/status';
import { refuseAcquire, refuseBreak, refuseRelease } from '../leases/requests';
import { acquireLeaseUpdate, breakLeaseUpdate, leasesQuery, releaseLeaseUpdate } from '../leases/updates';

export type { GameDayInput, GameDayOutcome, GameDayState } from './run';

export async function gameDayWorkflow(input: GameDayInput): Promise<GameDayOutcome> {
  const day = new GameDay(input);
  const { leases } = day;
  wf.setHandler(acquireLeaseUpdate, (request) => leases.acquire(request), { validator: refuse(refuseAcquire) });
  wf.setHandler(releaseLeaseUpdate, (request) => leases.release(request), { validator: refuse(refuseRelease) });
  wf.setHandler(breakLeaseUpdate, (request) => leases.break(request), { validator: refuse(refuseBreak) });
  wf.setHandler(leasesQuery, () => leases.list());
  wf.setHandler(completionSignal, (completion) => {
    leases.completionArrived(completion);
    return day.receive(completion);
  });
  wf.setHandler(openSignal, () => undefined);
  wf.setHandler(resultsHandedOverSignal, (handover) => day.resultsHandedOver(handover));
  wf.setHandler(statusQuery, () => day.status());
  wf.setHandler(stepFiredSignal, (step) => {
    day.stepFired(step);
    observeLatencies(day.state, step); // the children's triggers
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
  const closed = await day.late.closedBefore();
  if (closed) return day.late.endAsLate(closed);
  leases.dateChecked();
  if (input.rerun && !input.state) noteRerun(day, input.rerun);
  return Promise.race([
    day.steps.continueAsNewWhenSafe(),
    day.steps.writeEventsWhenDue(),
    exportBetterBatches(day.steps),
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
  const startsAt = (phase: PhaseKey) => from === phase;
  const skips = (phase: PhaseKey) => from !== undefined && isBefore(phase, from);
  const source = (phase: PhaseKey, mended: PhaseKey) =>
    startsAt(phase)
      ? ('rerun' as const)
      : state.mendedByReconcile?.includes(mended)
        ? ('reconcile' as const)
        : ('orchestrator' as const);
  // A day without games (phase 5 read the schedule) waits for nothing more.
  const until = async (ready: () => boolean) => (await day.steps.waitFor(() => ready() || !!state.noGames)) && ready();

  // Phase 5 runs from the start, so its deadlines hold even if nothing upstream ever arrives.
  if (skips('phase5')) day.phase5Finished();
  else await day.startPhase5(startsAt('phase5') ? 'rerun' : undefined);

  // The slate: phase 4 starts once the results of the game date before are handed over (or an
  // operator starts it). It does not hold the date open: predictions have their own deadlines.
  void (async () => {
    if (skips('phase4')) return;
    const handedOver = () => state.slateInput !== undefined || !!state.children.phase4;
    if (!startsAt('phase4') && !(await until(handedOver))) return;
    await day.startPhase4(startsAt('phase4') ? { level: 1, source: 'rerun' } : undefined);
  })();

  const [resultsHandedOver, exported] = await Promise.all([
    (async () => {
      // The results of the date. A rerun from phase 4 on reruns the slate only.
      if (skips('phase3')) return true;
      // Phase 2 → 3: once all 21 raw processors are complete (or an operator said so), one phase 3 trigger.
      const phase2Done = () => day.phaseComplete('phase2') || !!state.triggers.phase3;
      if (!startsAt('phase3') && !(await until(phase2Done))) return false;
      await day.steps.fire('phase3', pipeline.topics.phase3Trigger, phase3Trigger(state, source('phase3', 'phase2')));
      // Phase 3 complete: the results go to the slate of the next game date.
      if (!(await until(() => day.phaseComplete('phase3') || !!state.triggers.handover))) return false;
      await handOver(day.steps, startsAt('phase3') ? 'rerun' : source('phase3', 'phase3'));
      return true;
    })(),
    (async () => {
      // Phase 5 → 6: the first prediction batch through the gate starts the exports, once.
      const predicted = () => state.acceptedPrediction !== undefined || !!state.triggers.phase6;
      if (!startsAt('phase6') && !(await until(predicted))) return false;
      await day.steps.fire(
        'phase6',
        pipeline.topics.phase6ExportTrigger,
        phase6Trigger(state, source('phase6', 'phase5')),
      );
      await day.steps.runExports();
      return true;
    })(),
  ]);

  // Then the date stays open for late duplicates until phase 5's deadlines are behind it.
  const finished = resultsHandedOver && exported && (await day.steps.waitFor(() => state.phase5Finished === true));
  if (finished || state.noGames) await day.steps.closeWhenQuiet();
  return closeDay(day, finished ? 'completed' : state.noGames ? 'no_games' : 'expired');
}

/** An update validator from a check that returns why it refuses. */
function refuse<T>(check: (request: T) => string | undefined): (request: T) => void {
  return (request) => {
    const refused = check(request);
    if (refused) throw new Error(refused);
  };
}
