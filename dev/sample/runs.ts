// nba_orchestration.processor_run_history: one successful (or partial) run per processor that made the sample's rows.
import { BigQuery } from '@google-cloud/bigquery';
import type { UnifiedCompletion } from '../../src/messages/completion';
import { dateParam } from '../../src/platform/bigquery';
import { write, type ColumnType } from './write';

export type RunRow = {
  processor_name: string;
  phase: string;
  data_date: string;
  status: 'success' | 'partial';
  execution_id: string;
  correlation_id: string;
  trigger_source: string;
  started_at: string;
  completed_at: string;
  duration_seconds: number;
  record_count: number;
  records_failed: number;
  backfill_mode: boolean;
};

const runColumns = {
  processor_name: 'STRING',
  phase: 'STRING',
  data_date: 'DATE',
  status: 'STRING',
  execution_id: 'STRING',
  correlation_id: 'STRING',
  trigger_source: 'STRING',
  started_at: 'TIMESTAMP',
  completed_at: 'TIMESTAMP',
  duration_seconds: 'FLOAT64',
  record_count: 'INT64',
  records_failed: 'INT64',
  backfill_mode: 'BOOL',
} satisfies Record<keyof RunRow, ColumnType>;

export interface SampleRecordCounts {
  results: number;
  context: number;
  features: number;
  predictions: number;
  /** Players with features and no prediction: the prediction run's failed records. */
  unpredicted: number;
}

export function runRows(
  gameDate: string,
  resultsDate: string,
  correlationId: string,
  counts: SampleRecordCounts,
): RunRow[] {
  const run = (
    processor: string,
    phase: string,
    dataDate: string,
    hour: number,
    records: number,
    failed = 0,
  ): RunRow => ({
    processor_name: processor,
    phase,
    data_date: dataDate,
    status: failed > 0 ? 'partial' : 'success',
    execution_id: `sample-${processor}-${dataDate}`,
    correlation_id: correlationId,
    trigger_source: 'sample',
    started_at: `${gameDate}T${String(hour).padStart(2, '0')}:00:00.000Z`,
    completed_at: `${gameDate}T${String(hour).padStart(2, '0')}:04:30.000Z`,
    duration_seconds: 270,
    record_count: records,
    records_failed: failed,
    backfill_mode: false,
  });
  return [
    run('PlayerGameSummaryProcessor', 'phase_3_analytics', resultsDate, 9, counts.results),
    run('UpcomingPlayerGameContextProcessor', 'phase_3_analytics', gameDate, 10, counts.context),
    run('ml_feature_store_v2', 'phase_4_precompute', gameDate, 12, counts.features),
    run('PredictionCoordinator', 'phase_5_predictions', gameDate, 14, counts.predictions, counts.unpredicted),
  ];
}

/**
 * The rows processors write beside the completions they publish: one per run that
 * succeeded, whether or not its message arrives — so `pipeline reconcile` can tell a lost one.
 */
export function runRowsOfCompletions(
  completions: UnifiedCompletion[],
  triggerSource: string,
  /** When the runs ended, if not when their messages say. */
  ranAt?: string,
): RunRow[] {
  const runs = new Map<string, RunRow>();
  for (const c of completions) {
    if ((c.status !== 'success' && c.status !== 'partial') || !c.execution_id) continue;
    const completedAt = ranAt ?? c.timestamp ?? new Date().toISOString();
    runs.set(c.execution_id, {
      processor_name: c.processor_name,
      phase: c.phase ?? '',
      data_date: c.game_date,
      status: c.status,
      execution_id: c.execution_id,
      correlation_id: c.correlation_id ?? '',
      trigger_source: triggerSource,
      started_at: new Date(Date.parse(completedAt) - 60_000).toISOString(),
      completed_at: completedAt,
      duration_seconds: 60,
      record_count: c.record_count ?? 0,
      records_failed: 0,
      backfill_mode: c.backfill_mode ?? false,
    });
  }
  return [...runs.values()];
}

/** Run history is shared with the real pipeline: the sample only upserts its own execution ids. */
export async function upsertRuns(bigquery: BigQuery, runs: RunRow[]): Promise<void> {
  const names = Object.keys(runColumns);
  const sql = `
MERGE nba_orchestration.processor_run_history AS t
USING (SELECT ${names.map((c) => `item.${c}`).join(', ')} FROM UNNEST(@rows) AS item) AS s
ON t.execution_id = s.execution_id
WHEN MATCHED THEN UPDATE SET ${names
    .filter((c) => c !== 'execution_id')
    .map((c) => `${c} = s.${c}`)
    .join(', ')}
WHEN NOT MATCHED THEN INSERT (${names.join(', ')}) VALUES (${names.map((c) => `s.${c}`).join(', ')})`;
  const rows = runs.map((run) => ({
    ...run,
    data_date: dateParam('data_date', run.data_date),
    started_at: BigQuery.timestamp(run.started_at),
    completed_at: BigQuery.timestamp(run.completed_at),
  }));
  await write(bigquery, 'nba_orchestration.processor_run_history', sql, {
    params: { rows },
    types: { rows: [runColumns] },
  });
}
