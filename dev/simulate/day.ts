// A realistic game day of completion messages, as processors publish them (the unified completion format).
import { phaseDefinition, pipeline, type PhaseKey } from '../../src/pipeline/definition';
import type { UnifiedCompletion } from '../../src/messages/completion';

export interface SimulatedMessage {
  topic: string;
  message: UnifiedCompletion;
  /** Why this one is in the mix: a duplicate delivery, a failure before a retry, a processor's own announcement. */
  note?: 'duplicate' | 'failed-first' | 'announced';
}

export interface DayOptions {
  gameDate: string;
  correlationId: string;
  /** Deterministic shuffling and picks, so a run can be repeated. */
  seed?: number;
  duplicates?: number;
  /** Only these processors (a phase 4 level), default all of the phase's. */
  only?: readonly string[];
  metadata?: Record<string, unknown>;
}

/** All of a phase's processors at once: some delivered twice, one failing before it succeeds, shuffled. */
export function phaseCompletions(phase: PhaseKey, options: DayOptions): SimulatedMessage[] {
  const definition = phaseDefinition(phase);
  const topic = definition.completionTopic;
  if (!topic) throw new Error(`${phase} has no completion topic`);
  const random = seededRandom(options.seed ?? 29);
  const message = (name: string, status: UnifiedCompletion['status'], run: number): UnifiedCompletion => ({
    processor_name: name,
    phase: definition.seedName,
    execution_id: `${name}-${options.gameDate}-${run}`,
    correlation_id: options.correlationId,
    game_date: options.gameDate,
    output_dataset: `nba_${definition.seedName.split('_').slice(2).join('_')}`,
    status,
    record_count: status === 'failed' ? 0 : 50 + Math.floor(random() * 400),
    timestamp: new Date().toISOString(),
    skip_downstream_trigger: false,
    ...(options.metadata ? { metadata: options.metadata } : {}),
  });

  const names = definition.processors.map((p) => p.name).filter((name) => !options.only || options.only.includes(name));
  const all = names.map((name) => ({ topic, message: message(name, 'success', 2) }));
  const failing = names[Math.floor(random() * names.length)]!;
  const duplicates = shuffle([...all], random)
    .slice(0, options.duplicates ?? Math.ceil(names.length / 5))
    .map((m) => ({ ...m, note: 'duplicate' as const }));
  return [
    { topic, message: message(failing, 'failed', 1), note: 'failed-first' },
    ...shuffle([...all, ...duplicates], random),
  ];
}

/**
 * The same messages, plus what processors announce on their own topics when they succeed
 * (docs/architecture.md: ml_feature_store_v2 on nba-phase4-precompute-complete, with its player counts), after them.
 */
export function withAnnouncements(messages: SimulatedMessage[]): SimulatedMessage[] {
  const announced = pipeline.phases.flatMap((phase) =>
    (phase.announcedOn ?? []).flatMap(({ topic, processor }) =>
      messages
        .filter((m) => m.message.processor_name === processor && m.message.status === 'success' && !m.note)
        .map((m) => ({
          topic,
          note: 'announced' as const,
          message: {
            ...m.message,
            players_ready: (m.message.metadata?.players_ready as number | undefined) ?? null,
            players_total: (m.message.metadata?.players_total as number | undefined) ?? null,
          },
        })),
    ),
  );
  return [...messages, ...announced];
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
