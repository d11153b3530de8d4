// The run history's events: everything that happened to a date (completions received, triggers,
// commands, the close), kept beyond Temporal's retention and queryable by correlation id.
import { createHash } from 'node:crypto';
import type { BigQuery } from '@google-cloud/bigquery';
import type { RunEvent } from '../messages/run-event';
import { dateParam, runQuery, type JsonValue } from './client';

export type { RunEvent, RunEventKind } from '../messages/run-event';

const eventColumns = {
  event_id: 'STRING',
  game_date: 'STRING',
  correlation_id: 'STRING',
  kind: 'STRING',
  phase: 'STRING',
  processor: 'STRING',
  trigger_id: 'STRING',
  trigger_source: 'STRING',
  at: 'STRING',
  detail: 'STRING',
} as const;

/**
 * Writes a batch of events once, however often it is sent: the job id is the batch's, so a retry
 * joins the first job, and the MERGE on `event_id` skips rows already written by a job BigQuery forgot.
 */
export async function recordRunEvents(bigquery: BigQuery, events: readonly RunEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((e) => ({
    event_id: e.eventId,
    game_date: e.gameDate,
    correlation_id: e.correlationId ?? '',
    kind: e.kind,
    phase: e.phase ?? '',
    processor: e.processor ?? '',
    trigger_id: e.triggerId ?? '',
    trigger_source: e.triggerSource ?? '',
    at: e.at,
    detail: JSON.stringify(e.detail ?? {}),
  }));
  const batch = createHash('sha256')
    .update(events.map((e) => e.eventId).join('\n'))
    .digest('hex');
  await runQuery(
    bigquery,
    `MERGE nba_orchestration.game_day_events AS t
USING (SELECT item.event_id, CAST(item.game_date AS DATE) AS game_date, NULLIF(item.correlation_id, '') AS correlation_id,
  item.kind, NULLIF(item.phase, '') AS phase, NULLIF(item.processor, '') AS processor,
  NULLIF(item.trigger_id, '') AS trigger_id, NULLIF(item.trigger_source, '') AS trigger_source,
  TIMESTAMP(item.at) AS at, item.detail
  FROM UNNEST(@rows) AS item) AS s
ON t.event_id = s.event_id
WHEN NOT MATCHED THEN INSERT (event_id, game_date, correlation_id, kind, phase, processor, trigger_id, trigger_source, \`at\`, detail)
  VALUES (s.event_id, s.game_date, s.correlation_id, s.kind, s.phase, s.processor, s.trigger_id, s.trigger_source, s.at, s.detail)`,
    { params: { rows }, types: { rows: [eventColumns] }, jobId: `game_day_events_${batch}` },
  );
}

/** One row of a trail: an orchestrator event or a processor's run (`source` tells which). */
export interface TrailRow {
  source: 'orchestrator' | 'processor';
  game_date: string;
  correlation_id: string;
  kind: string;
  phase: string | null;
  processor: string | null;
  trigger_id: string | null;
  trigger_source: string | null;
  at: string;
  detail: string | null;
}

/**
 * Seed 004's correlation query: everything that happened for one correlation id, scraper to export —
 * the processors' runs (`processor_run_history`) and the orchestrator's events, in time order.
 */
export async function correlationTrail(bigquery: BigQuery, correlationId: string): Promise<TrailRow[]> {
  const rows = await runQuery(
    bigquery,
    `SELECT 'processor' AS source, CAST(data_date AS STRING) AS game_date, correlation_id, CONCAT('run:', status) AS kind,
  phase, processor_name AS processor, CAST(NULL AS STRING) AS trigger_id, trigger_source,
  COALESCE(completed_at, started_at) AS at, error_message AS detail
FROM nba_orchestration.processor_run_history WHERE correlation_id = @correlation_id
UNION ALL
SELECT 'orchestrator' AS source, CAST(game_date AS STRING) AS game_date, correlation_id, kind, phase, processor,
  trigger_id, trigger_source, \`at\`, detail
FROM nba_orchestration.game_day_events WHERE correlation_id = @correlation_id
ORDER BY at, source`,
    { params: { correlation_id: correlationId } },
  );
  return rows as unknown as TrailRow[];
}

/** Every event of one date, oldest first: what `pipeline status` falls back to when the run is gone. */
export async function eventsOfDate(bigquery: BigQuery, gameDate: string): Promise<RunEvent[]> {
  const rows = await runQuery(
    bigquery,
    `SELECT event_id, correlation_id, kind, phase, processor, trigger_id, trigger_source, \`at\`, detail
FROM nba_orchestration.game_day_events WHERE game_date = @game_date ORDER BY \`at\`, event_id`,
    { params: { game_date: dateParam('game_date', gameDate) } },
  );
  return rows.map((row) => ({
    eventId: text(row.event_id),
    gameDate,
    correlationId: nullableText(row.correlation_id),
    kind: text(row.kind) as RunEvent['kind'],
    phase: nullableText(row.phase),
    processor: nullableText(row.processor),
    triggerId: nullableText(row.trigger_id),
    triggerSource: nullableText(row.trigger_source),
    at: text(row.at),
    detail: row.detail ? (JSON.parse(text(row.detail)) as Record<string, unknown>) : {},
  }));
}

const text = (value: JsonValue | undefined): string =>
  typeof value === 'string' ? value : JSON.stringify(value ?? null);
const nullableText = (value: JsonValue | undefined): string | null =>
  value === null || value === undefined ? null : text(value);
