// One durable run per game date: it collects every processor's completion and decides, once,
// when each phase is complete and the next one may start. Phase 4's cascade and phase 5 run as
// child workflows and report back by signal. The steps and the state live in `GameDay`.
import * as wf from '@temporalio/workflow';
import { pipeline } from '../pipeline/definition';
import { eventDrivenExport } from '../pipeline/exports';
import { GameDay, type GameDayInput, type GameDayOutcome } from './game-day-run';
import { handleLeases } from './leases';
import { observeLatencies } from './pipeline-metrics';
import { phaseProgress } from './progress';
import {
  completionSignal,
  openSignal,
  phase4DoneSignal,
  phase5FailedSignal,
  phase5FinishedSignal,
  statusQuery,
  stepFiredSignal,
} from './signals';
import { updatesLatest } from './target-date';

export type { GameDayInput, GameDayOutcome, GameDayState } from './game-day-run';
export { completionSignal, openSignal, statusQuery } from './signals';

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
    observeLatencies(day.state.received, step);
  });
  wf.setHandler(phase4DoneSignal, (done) => day.phase4Finished(done));
  wf.setHandler(phase5FinishedSignal, () => day.phase5Finished());
  wf.setHandler(phase5FailedSignal, (reason) => day.phase5Failed(reason));

  // A date that closed before stays closed, even after Temporal has forgotten its run.
  const closed = await day.closedBefore();
  if (closed) return day.endAsLate(closed);
  leases.dateChecked();
  return Promise.race([day.continueAsNewWhenSafe(), theDay(day)]);
}

async function theDay(day: GameDay): Promise<GameDayOutcome> {
  const { gameDate, state } = day;
  const tracing = () => ({
    game_date: gameDate,
    correlation_id: state.correlationId ?? null,
    trigger_source: 'orchestrator' as const,
  });

  // Phase 5 runs from the start, so its deadlines hold even if nothing upstream ever arrives.
  await day.startPhase5();

  const [upstream, downstream] = await Promise.all([
    (async () => {
      // Phase 2 → 3: once all 21 raw processors are complete, one phase 3 trigger.
      if (!(await day.waitFor(() => day.phaseComplete('phase2')))) return false;
      await fireAndObserve(day, 'phase3', pipeline.topics.phase3Trigger, {
        ...tracing(),
        triggered_by: pipeline.triggeredBy.phase3,
        upstream_processors_count: phaseProgress('phase2', state.received).completed.length,
        phase: 'phase3',
      });
      // Phase 3 → 4: once all 5 analytics processors are complete, the cascade runs its levels.
      if (!(await day.waitFor(() => day.phaseComplete('phase3')))) return false;
      await day.startPhase4();
      return day.waitFor(() => state.phase4Done !== undefined);
    })(),
    (async () => {
      // Phase 5 → 6: the first prediction batch through the gate starts the exports, once.
      if (!(await day.waitFor(() => state.acceptedPrediction !== undefined))) return false;
      const prediction = state.acceptedPrediction!;
      await fireAndObserve(day, 'phase6', pipeline.topics.phase6ExportTrigger, {
        ...tracing(),
        triggered_by: eventDrivenExport.triggeredBy,
        upstream_processors_count: 1,
        phase: 'phase6',
        export_types: [...eventDrivenExport.exportTypes],
        target_date: gameDate,
        update_latest: eventDrivenExport.updateLatest && updatesLatest(gameDate, new Date()),
        upstream_batch_id: prediction.batchId,
        upstream_predictions: prediction.predictions,
      });
      await day.runExports();
      return true;
    })(),
  ]);

  // Then the date stays open for late duplicates until phase 5's deadlines are behind it.
  const finished = upstream && downstream && (await day.waitFor(() => state.phase5Finished === true));
  if (finished) await day.closeWhenQuiet();
  return day.close(finished ? 'completed' : 'expired');
}

/** Fires `key` and records the latencies it ends, unless a run before a continue-as-new fired it. */
async function fireAndObserve(day: GameDay, ...[key, topic, message]: Parameters<GameDay['fire']>): Promise<void> {
  const firstTime = day.state.triggers[key] === undefined;
  await day.fire(key, topic, message);
  const step = day.state.triggers[key];
  if (firstTime && step) observeLatencies(day.state.received, step);
}
