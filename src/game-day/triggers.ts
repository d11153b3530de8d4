// The triggers the date's run publishes itself (phase 3, phase 6), built from its state. Shared by
// the rules (the story) and by operators' commands, which differ only in `trigger_source`.
import type { Phase3Trigger, Phase6Trigger, TriggerBase } from '../messages/trigger';
import { pipeline } from '../pipeline/definition';
import { eventDrivenExport } from '../pipeline/exports';
import type { Unstamped } from '../triggers/fire';
import type { GameDayState } from './state';
import { phaseProgress } from '../date-run/progress';
import { updatesLatest } from '../time';

type Source = TriggerBase['trigger_source'];

export function phase3Trigger(state: GameDayState, source: Source): Unstamped<Phase3Trigger> {
  return {
    // The night's results are the date's own chain; the slate's triggers carry the one handed over.
    game_date: state.gameDate,
    correlation_id: state.correlationId ?? null,
    trigger_source: source,
    triggered_by: pipeline.triggeredBy.phase3,
    upstream_processors_count: phaseProgress('phase2', state.received).completed.length,
    phase: 'phase3',
  };
}

export function phase6Trigger(
  state: GameDayState,
  source: Source,
  prediction = state.acceptedPrediction,
): Unstamped<Phase6Trigger> {
  return {
    game_date: state.gameDate,
    correlation_id: state.slateCorrelationId ?? null,
    trigger_source: source,
    triggered_by: eventDrivenExport.triggeredBy,
    upstream_processors_count: prediction ? 1 : 0,
    phase: 'phase6',
    export_types: [...eventDrivenExport.exportTypes],
    target_date: state.gameDate,
    update_latest: eventDrivenExport.updateLatest && updatesLatest(state.gameDate, new Date()),
    upstream_batch_id: prediction?.batchId ?? null,
    upstream_predictions: prediction?.predictions ?? null,
  };
}
