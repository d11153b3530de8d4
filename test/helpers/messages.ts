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
