// The triggers the date's run publishes itself (phase 3, phase 6), built from its state. Shared by
// the rules (the story) and by operators' commands, which differ only in `trigger_source`.
import {
  phase3Trigger as phase3,
  phase6Trigger as phase6,
  type Phase3Trigger,
  type Phase6Trigger,
  type TriggerBase,
  type Unstamped,
} from '../messages/trigger';
import { eventDrivenExport } from '../pipeline/exports';
import type { GameDayState } from './state';
import { phaseProgress } from '../date-run/progress';
import { updatesLatest } from '../time';

type Source = TriggerBase['trigger_source'];

export function phase3Trigger(state: GameDayState, source: Source): Unstamped<Phase3Trigger> {
  return phase3({
    // The night's results are the date's own chain; the slate's triggers carry the one handed over.
    game_date: state.gameDate,
    correlation_id: state.correlationId ?? null,
    trigger_source: source,
    upstream_processors_count: phaseProgress('phase2', state.received).completed.length,
  });
}

export function phase6Trigger(
  state: GameDayState,
  source: Source,
  prediction = state.acceptedPrediction,
): Unstamped<Phase6Trigger> {
  return phase6(
    {
      game_date: state.gameDate,
      correlation_id: state.slateCorrelationId ?? null,
      trigger_source: source,
      upstream_processors_count: prediction ? 1 : 0,
    },
    {
      target_date: state.gameDate,
      update_latest: eventDrivenExport.updateLatest && updatesLatest(state.gameDate, new Date()),
      upstream_batch_id: prediction?.batchId ?? null,
      upstream_predictions: prediction?.predictions ?? null,
    },
  );
}
