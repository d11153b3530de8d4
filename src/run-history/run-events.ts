// The run history's events: everything that happened to a date (completions received, triggers,
// commands, the close), kept beyond Temporal's retention and queryable by correlation id.
import type { BigQuery } from '@google-cloud/bigquery';
import type { RunEvent } from '../messages/run-event';
import { dateParam, runQuery, streamRows, type JsonValue } from '../platform/bigquery';

export type { RunEvent, RunEventKind } from '../messages/run-event';

const eventsTable = 'nba_orchestration.game_day_events';

/**
 * Appends a batch of events through the streaming path, once however often it is sent: rows whose
 * `event_id` is already in the table are skipped, and the rest go with `event_id` as their insert
 * id. Nothing of an earlier attempt is read back but the rows it wrote.
 */
export async function recordRunEvents(bigquery: BigQuery, events: readonly RunEvent[]): Promise<void> {
  if (events.length === 0) return;
  const written = await writtenEventIds(bigquery, events);
  const rows = events
    .filter((e) => !written.has(e.eventId))
    .map((e) => ({
      insertId: e.eventId,
      json: {
        event_id: e.eventId,
        game_date: e.gameDate,
        correlation_id: e.correlationId || null,
        kind: e.kind,
        phase: e.phase || null,
        processor: e.processor || null,
        trigger_id: e.triggerId || null,
        trigger_source: e.triggerSource || null,
        at: e.at,
        detail: JSON.stringify(e.detail ?? {}),
      },
    }));
  await streamRows(bigquery, eventsTable, rows);
}

/** Which of the events the table holds already (an earlier attempt may have written some or all). */
async function writtenEventIds(bigquery: BigQuery, events: readonly RunEvent[]): Promise<Set<string>> {
  const dates = [...new Set(events.map((e) => e.gameDate))];
  const rows = await runQuery(
    bigquery,
    `SELECT event_id FROM ${eventsTable}
WHERE game_date IN UNNEST(@game_dates) AND event_id IN UNNEST(@event_ids)`,
    {
      params: {
        game_dates: dates.map((d) => dateParam('game_date', d)),
        event_ids: events.map((e) => e.eventId),
      },
    },
  );
  return new Set(rows.map((row) => text(row.event_id)));
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
 * The correlation query (docs/operations.md): everything that happened for one correlation id, scraper to export —
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
