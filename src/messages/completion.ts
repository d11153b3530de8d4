// Completion messages as processors publish them (the unified format; the Phase 2 → 3 Cloud
// Function's older messages without `phase` too), parsed into the small value the workflow is signalled with.
import { z } from 'zod';
import { announcerOn, phaseDefinition, phaseForTopic, type PhaseKey } from '../pipeline/definition';
import { isCalendarDate } from '../time';
import { describeIssues, isObject, parseJson, type Parsed } from './parse';

export const completionStatuses = ['success', 'partial', 'no_data', 'failed'] as const;
export type CompletionStatus = (typeof completionStatuses)[number];

const optionalText = z.string().nullish();

export const unifiedCompletionSchema = z.object({
  processor_name: z.string().trim().min(1, 'must name the processor'),
  game_date: z.string().refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD'),
  status: z.preprocess((s) => (typeof s === 'string' ? s.toLowerCase() : s), z.enum(completionStatuses)),
  phase: optionalText,
  execution_id: optionalText,
  correlation_id: optionalText,
  output_table: optionalText,
  output_dataset: optionalText,
  record_count: z.number().nullish(),
  timestamp: optionalText,
  skip_downstream_trigger: z.boolean().nullish(),
  backfill_mode: z.boolean().nullish(),
  error_message: optionalText,
  metadata: z.record(z.string(), z.unknown()).nullish(),
  // ml_feature_store_v2 reports how many players are ready for predictions.
  players_ready: z.number().nullish(),
  players_total: z.number().nullish(),
});

export type UnifiedCompletion = z.infer<typeof unifiedCompletionSchema>;

/** What the workflow receives: one processor's completion for one date. */
export interface Completion {
  phase: PhaseKey;
  processor: string;
  gameDate: string;
  status: CompletionStatus;
  /** Distinguishes deliveries of the same run (duplicates) from new runs. */
  executionId: string;
  correlationId?: string;
  /** Backfill: record completion but publish nothing downstream for this date. */
  skipDownstreamTrigger: boolean;
  timestamp?: string;
  recordCount?: number;
  errorMessage?: string;
  metadata?: Record<string, unknown>;
}

/**
 * Parses a completion as it arrived on `topic`. `fallbackExecutionId` (the Pub/Sub message id)
 * stands in when the message has no execution_id.
 */
export function parseCompletion(data: string, topic: string, fallbackExecutionId: string): Parsed<Completion> {
  const phase = phaseForTopic(topic);
  if (!phase) return { ok: false, reason: `topic ${topic} carries no completions` };

  const parsedJson = parseJson(data);
  if (!parsedJson.ok) return parsedJson;
  const json = parsedJson.value;
  // A phase with a single processor (phase 5's coordinator), or a topic only one processor announces
  // itself on, needs no processor_name: the topic tells it.
  const announcer = announcerOn(topic);
  const soleProcessor = announcer ?? (phase.processors.length === 1 ? phase.processors[0]!.name : undefined);
  const withProcessor =
    soleProcessor && isObject(json) && json.processor_name === undefined
      ? { ...json, processor_name: soleProcessor }
      : json;
  const parsed = unifiedCompletionSchema.safeParse(withProcessor, { reportInput: true });
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error) };
  const message = parsed.data;

  if (message.phase && message.phase !== phase.seedName && message.phase !== phase.key) {
    return { ok: false, reason: `phase ${message.phase} does not belong on ${topic} (expected ${phase.seedName})` };
  }
  const processor = phase.processors.find(
    (p) => p.name === message.processor_name || p.aliases?.includes(message.processor_name),
  );
  if (!processor) {
    return { ok: false, reason: `unknown processor ${message.processor_name} for ${phase.key}` };
  }
  if (announcer && processor.name !== announcer) {
    return { ok: false, reason: `${topic} carries ${announcer}'s completions only, not ${processor.name}'s` };
  }

  return {
    ok: true,
    value: dropUndefined({
      phase: phase.key,
      processor: processor.name,
      gameDate: message.game_date,
      status: message.status,
      executionId: message.execution_id || fallbackExecutionId,
      correlationId: message.correlation_id || message.execution_id || undefined,
      skipDownstreamTrigger: message.skip_downstream_trigger === true,
      timestamp: message.timestamp ?? undefined,
      recordCount: message.record_count ?? undefined,
      errorMessage: message.error_message ?? undefined,
      metadata: withPlayerCounts(message),
    }),
  };
}

/**
 * The completion in the unified format processors publish, so that what was dead-lettered in its
 * parsed form (a run that found its date closed) parses again the same when it is replayed.
 */
export function completionMessage(completion: Completion): UnifiedCompletion {
  return dropUndefined({
    processor_name: completion.processor,
    game_date: completion.gameDate,
    status: completion.status,
    phase: phaseDefinition(completion.phase).seedName,
    execution_id: completion.executionId,
    correlation_id: completion.correlationId,
    skip_downstream_trigger: completion.skipDownstreamTrigger,
    timestamp: completion.timestamp,
    record_count: completion.recordCount,
    error_message: completion.errorMessage,
    metadata: completion.metadata,
  });
}

function withPlayerCounts(message: UnifiedCompletion): Record<string, unknown> | undefined {
  const counts = Object.fromEntries(
    (['players_ready', 'players_total'] as const).flatMap((k) =>
      typeof message[k] === 'number' ? [[k, message[k]]] : [],
    ),
  );
  return message.metadata || Object.keys(counts).length > 0 ? { ...counts, ...message.metadata } : undefined;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
