// Prediction batches and the exports that follow them: the 5→6 gate lets the first batch through
// (the story then exports), and each later batch through the gate with higher coverage than the
// last one exported re-exports tonight's files, under a trigger id of its own.
import * as wf from '@temporalio/workflow';
import type { Completion } from '../messages/completion';
import { pipeline } from '../pipeline/definition';
import { eventDrivenExport } from '../pipeline/exports';
import { exportWorkflowIdFor, triggerKeys } from '../pipeline/ids';
import { phase6Verdict } from './gate';
import { runEventDrivenExport } from './children';
import type { GameDaySteps } from './steps';
import type { GameDayState } from './state';
import { phase6Trigger } from './triggers';
import { predictionsCompleteSignal } from '../date-run/signals';

/** Passes a prediction completion through the 5→6 gate; why it was turned away, if it was. */
export async function judgePrediction(day: GameDaySteps, completion: Completion): Promise<string | undefined> {
  const { state } = day;
  if (state.acceptedPrediction) {
    const verdict = phase6Verdict(completion);
    if (verdict.accepted && verdict.completionPct > bestSoFar(state)) {
      const { accepted: _, ...better } = verdict;
      state.betterPrediction = better;
    }
    return undefined;
  }
  const verdict = phase6Verdict(completion);
  if (verdict.accepted) {
    state.acceptedPrediction = verdict;
    await day.signalChild('phase5', predictionsCompleteSignal);
    return undefined;
  }
  state.rejectedPredictions.push(verdict.reason);
  wf.log.info('prediction completion turned away by the 5→6 gate', { game_date: day.gameDate, reason: verdict.reason });
  return verdict.reason;
}

/** The coverage of the best batch exported or waiting to be. */
function bestSoFar(state: GameDayState): number {
  const exported = state.betterExports?.at(-1)?.prediction ?? state.acceptedPrediction;
  return Math.max(state.betterPrediction?.completionPct ?? 0, exported?.completionPct ?? 0);
}

/** Re-exports tonight's files for each better batch, once the first export has run; never returns. */
export async function exportBetterBatches(day: GameDaySteps): Promise<never> {
  const { state } = day;
  for (;;) {
    await day.waitUntil(() => !!state.betterPrediction && !!state.exports && !state.closed && !state.backfill);
    await day.step(async () => {
      const prediction = state.betterPrediction!;
      const n = (state.betterExports?.length ?? 0) + 1;
      const trigger = phase6Trigger(state, 'orchestrator', prediction);
      const fired = await day.fire(triggerKeys.phase6Better(n), pipeline.topics.phase6ExportTrigger, trigger);
      const outcome = await runEventDrivenExport(state, fired, {
        workflowId: `${exportWorkflowIdFor(day.gameDate, eventDrivenExport.set)}/better-${n}`,
        prediction,
      });
      state.betterExports = [...(state.betterExports ?? []), { prediction, triggerId: fired.triggerId, ...outcome }];
      // A better batch that arrived meanwhile replaced this one, and is exported next.
      if (state.betterPrediction === prediction) delete state.betterPrediction;
      await day.events.write();
    });
  }
}
