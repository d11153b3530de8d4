// What `pipeline health` and `pipeline reconcile` ask BigQuery: the run history the processors
// write (processor_run_history), the orchestrator's closes, and the duplicate-row checks (docs/operations.md).
import { BigQuery, type BigQuery as BigQueryClient } from '@google-cloud/bigquery';
import type { DuplicateRowCheck } from '../pipeline/definition';
import { dateParam, optionalTextColumn, runQuery, textColumn } from '../platform/bigquery';

export interface ExpiredRun {
  gameDate: string;
  closedAt: string;
  /** Every expired run of the date was driven by a backfill. */
  backfill: boolean;
}

/** Dates whose run closed as `expired` since `since`. */
export async function expiredRunsSince(bigquery: BigQueryClient, since: Date): Promise<ExpiredRun[]> {
  const rows = await runQuery(
    bigquery,
    `SELECT CAST(game_date AS STRING) AS game_date, MIN(closed_at) AS closed_at,
  SUM(CASE WHEN backfill THEN 0 ELSE 1 END) AS live_runs
FROM nba_orchestration.game_day_runs
WHERE outcome = 'expired' AND closed_at >= @since
GROUP BY game_date
ORDER BY game_date`,
    { params: { since: BigQuery.timestamp(since) } },
  );
  return rows.map((row) => ({
    gameDate: textColumn(row, 'game_date'),
    closedAt: textColumn(row, 'closed_at'),
    backfill: Number(row.live_runs ?? 0) === 0,
  }));
}

export interface ProcessorRun {
  processor: string;
  /** As written: the processors' `phase_2_raw` or our `phase2`. */
  phase: string | null;
  dataDate: string;
  status: string;
  executionId: string;
  correlationId: string | null;
  /** The first completion of the processor for the date that counts (success, partial, no_data). */
  completedAt: string | null;
  recordCount: number | null;
  /** The processor ran with skip_downstream_trigger (a backfill). */
  backfillMode?: boolean;
}

/**
 * Per processor and data date from `from` through `to`, its first run that counts: the run history
 * as the processors wrote it.
 */
export async function firstProcessorRuns(bigquery: BigQueryClient, from: string, to: string): Promise<ProcessorRun[]> {
  const rows = await runQuery(
    bigquery,
    `SELECT processor_name, phase, CAST(data_date AS STRING) AS data_date, status, execution_id, correlation_id,
  completed_at, record_count, backfill_mode
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY processor_name, data_date ORDER BY completed_at, execution_id) AS nth
  FROM nba_orchestration.processor_run_history
  WHERE data_date BETWEEN @from_date AND @to_date AND status IN ('success', 'partial', 'no_data')
)
WHERE nth = 1
ORDER BY data_date, processor_name`,
    { params: { from_date: dateParam('from_date', from), to_date: dateParam('to_date', to) } },
  );
  return rows.map((row) => ({
    processor: textColumn(row, 'processor_name'),
    phase: optionalTextColumn(row, 'phase'),
    dataDate: textColumn(row, 'data_date'),
    status: textColumn(row, 'status'),
    executionId: textColumn(row, 'execution_id'),
    correlationId: optionalTextColumn(row, 'correlation_id'),
    completedAt: optionalTextColumn(row, 'completed_at'),
    recordCount: typeof row.record_count === 'number' ? row.record_count : null,
    backfillMode: row.backfill_mode === true,
  }));
}

export interface DuplicateRows {
  table: string;
  gameDate: string;
  /** Keys that appear more than once. */
  duplicateKeys: number;
  /** Rows beyond the first of each key. */
  extraRows: number;
}

/** The SQL of one duplicate-row check: per date since `@from_date`, keys seen more than once. */
export function duplicateRowsSql(check: DuplicateRowCheck): string {
  const name = (column: string) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(column)) throw new Error(`not a column name: ${column}`);
    return column;
  };
  const date = name(check.dateColumn);
  const keys = check.keys.map(name);
  if (!/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/.test(check.table))
    throw new Error(`not a table: ${check.table}`);
  return `SELECT CAST(${date} AS STRING) AS game_date, COUNT(*) AS duplicate_keys, SUM(n - 1) AS extra_rows
FROM (
  SELECT ${[date, ...keys].join(', ')}, COUNT(*) AS n
  FROM ${check.table}
  WHERE ${date} >= @from_date
  GROUP BY ${[date, ...keys].join(', ')}
  HAVING COUNT(*) > 1
)
GROUP BY ${date}
ORDER BY game_date`;
}

export async function duplicateRows(
  bigquery: BigQueryClient,
  check: DuplicateRowCheck,
  from: string,
): Promise<DuplicateRows[]> {
  const rows = await runQuery(bigquery, duplicateRowsSql(check), {
    params: { from_date: dateParam('from_date', from) },
  });
  return rows.map((row) => ({
    table: check.table,
    gameDate: textColumn(row, 'game_date'),
    duplicateKeys: Number(row.duplicate_keys),
    extraRows: Number(row.extra_rows),
  }));
}
