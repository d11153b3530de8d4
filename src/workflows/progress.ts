// What arrived, and what it means: pure functions the workflow derives its state from.
// No counters are stored; every count here is recomputed from the deliveries received.
import type { Completion, CompletionStatus } from '../messages/completion';
import { phaseDefinition, pipeline, type PhaseKey, type Processor } from '../pipeline/definition';

export interface Delivery {
  executionId: string;
  status: CompletionStatus;
  /** Progress a batch reports (phase 5's `metadata.completion_pct`): a higher one is news, not a duplicate. */
  completionPct?: number;
  receivedAt: string;
}

/** Per processor, the distinct (execution, status, progress) deliveries seen, plus how many repeats. */
export interface ProcessorDeliveries {
  deliveries: Delivery[];
  duplicates: number;
}

export type Received = Partial<Record<PhaseKey, Record<string, ProcessorDeliveries>>>;

/**
 * Records a completion; returns false when it was a duplicate delivery that changes nothing. A batch's
 * higher `completion_pct` is news, not a repeat.
 */
export function recordDelivery(received: Received, completion: Completion, receivedAt: string): boolean {
  const phase = (received[completion.phase] ??= {});
  const processor = (phase[completion.processor] ??= { deliveries: [], duplicates: 0 });
  const pct = completion.metadata?.completion_pct;
  const completionPct = typeof pct === 'number' ? pct : undefined;
  const seen = processor.deliveries.some(
    (d) =>
      d.executionId === completion.executionId && d.status === completion.status && d.completionPct === completionPct,
  );
  if (seen) {
    processor.duplicates += 1;
    return false;
  }
  processor.deliveries.push({
    executionId: completion.executionId,
    status: completion.status,
    ...(completionPct === undefined ? {} : { completionPct }),
    receivedAt,
  });
  return true;
}

export function counts(processor: Processor, deliveries: readonly Delivery[]): boolean {
  return deliveries.some(
    (d) => d.status === 'success' || d.status === 'partial' || (d.status === 'no_data' && processor.optional === true),
  );
}

/** Why a completion does not count for its processor (`failed`, or `no_data` where data is required); undefined when it counts. */
export function notCounted(completion: Completion): string | undefined {
  const processor = phaseDefinition(completion.phase).processors.find((p) => p.name === completion.processor);
  if (!processor || counts(processor, [{ executionId: '', status: completion.status, receivedAt: '' }]))
    return undefined;
  return `status ${completion.status} does not count for ${completion.processor}`;
}

export interface Progress {
  expected: string[];
  completed: string[];
  missing: string[];
  failed: string[];
  complete: boolean;
}

/** Progress of a set of processors (a whole phase, or one phase 4 level). */
export function progressOf(
  processors: readonly Processor[],
  received: Record<string, ProcessorDeliveries> = {},
): Progress {
  const completed: string[] = [];
  const missing: string[] = [];
  const failed: string[] = [];
  for (const processor of processors) {
    const deliveries = received[processor.name]?.deliveries ?? [];
    if (counts(processor, deliveries)) {
      completed.push(processor.name);
    } else {
      missing.push(processor.name);
      if (deliveries.some((d) => d.status === 'failed')) failed.push(processor.name);
    }
  }
  return { expected: processors.map((p) => p.name), completed, missing, failed, complete: missing.length === 0 };
}

export function phaseProgress(phase: PhaseKey, received: Received): Progress {
  return progressOf(phaseDefinition(phase).processors, received[phase]);
}

export function levelProgress(level: number, received: Received): Progress {
  const names: readonly string[] = pipeline.phase4Levels.find((l) => l.level === level)?.processors ?? [];
  const levelProcessors = phaseDefinition('phase4').processors.filter((p) => names.includes(p.name));
  return progressOf(levelProcessors, received.phase4);
}
