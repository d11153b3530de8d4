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

/** The processor ran: `success`, `partial` and `no_data` count, `failed` never does (seed 000). */
export function counts(deliveries: readonly Delivery[]): boolean {
  return deliveries.some((d) => d.status !== 'failed');
}

/** Why a completion does not count for its processor (`failed`); undefined when it counts. */
export function notCounted(completion: Completion): string | undefined {
  const processor = phaseDefinition(completion.phase).processors.find((p) => p.name === completion.processor);
  if (!processor || completion.status !== 'failed') return undefined;
  return `status ${completion.status} does not count for ${completion.processor}`;
}

/** When the phase became complete: the latest of its processors' first counted completions. */
export function completedAt(phase: PhaseKey, received: Received): string | undefined {
  const firsts = phaseDefinition(phase).processors.map(
    (p) => received[phase]?.[p.name]?.deliveries.find((d) => d.status !== 'failed')?.receivedAt,
  );
  if (firsts.some((at) => at === undefined)) return undefined;
  return (firsts as string[]).reduce((a, b) => (a > b ? a : b));
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
    if (counts(deliveries)) {
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
