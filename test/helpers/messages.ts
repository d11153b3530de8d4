// Completion messages as processors publish them, for tests and the simulator.
import type { Completion, CompletionStatus } from '../../src/messages/completion';
import { phaseDefinition, type PhaseKey } from '../../src/pipeline/definition';

export function processorNames(phase: PhaseKey): string[] {
  return phaseDefinition(phase).processors.map((p) => p.name);
}

export function completion(
  phase: PhaseKey,
  processor: string,
  gameDate: string,
  overrides: Partial<Completion> & { status?: CompletionStatus } = {},
): Completion {
  return {
    phase,
    processor,
    gameDate,
    status: 'success',
    executionId: `${processor}-${gameDate}-run1`,
    correlationId: `corr-${gameDate}`,
    skipDownstreamTrigger: false,
    ...overrides,
  };
}

/** The prediction coordinator's completion of one batch, with the coverage the 5→6 gate reads. */
export function predictionBatch(
  gameDate: string,
  batch: number,
  completionPct: number,
  status: CompletionStatus = 'success',
): Completion {
  const id = `batch_${gameDate}_${batch}`;
  return completion('phase5', 'PredictionCoordinator', gameDate, {
    status,
    executionId: id,
    metadata: { batch_id: id, completion_pct: completionPct, completed_predictions: 448 },
  });
}
