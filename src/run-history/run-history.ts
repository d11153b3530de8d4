// The orchestrator's run history in BigQuery: which dates have closed, kept beyond Temporal's
// retention, so a redelivered message can never reopen a closed date.
import type { BigQuery as BigQueryClient } from '@google-cloud/bigquery';
import { dateParam, optionalTextColumn, runQuery, streamRows, textColumn } from '../platform/bigquery';

export interface ClosedRun {
  gameDate: string;
  runId: string;
  workflowId: string;
  outcome: string;
  correlationId: string | null;
  openedAt: string | null;
  closedAt: string;
  /** The run was in backfill mode. */
  backfill?: boolean;
}

/** The first recorded close of the date's run, or null when the date never closed. */
export async function closedRunOf(bigquery: BigQueryClient, gameDate: string): Promise<ClosedRun | null> {
  const [row] = await runQuery(
    bigquery,
    `SELECT run_id, workflow_id, outcome, correlation_id, opened_at, closed_at
FROM nba_orchestration.game_day_runs
WHERE game_date = @game_date
ORDER BY closed_at
LIMIT 1`,
    { params: { game_date: dateParam('game_date', gameDate) } },
  );
  if (!row) return null;
  return {
    gameDate,
    runId: textColumn(row, 'run_id'),
    workflowId: textColumn(row, 'workflow_id'),
    outcome: textColumn(row, 'outcome'),
    correlationId: optionalTextColumn(row, 'correlation_id'),
    openedAt: optionalTextColumn(row, 'opened_at'),
    closedAt: textColumn(row, 'closed_at'),
  };
}

/**
 * Records a close once per run, through the streaming path: a run whose close is already in the
 * table is left alone, and the insert id (the run's) makes BigQuery drop a repeat it has seen lately.
 */
export async function recordRunClosed(bigquery: BigQueryClient, run: ClosedRun): Promise<void> {
  const [already] = await runQuery(
    bigquery,
    `SELECT 1 AS found FROM nba_orchestration.game_day_runs WHERE game_date = @game_date AND run_id = @run_id LIMIT 1`,
    { params: { game_date: dateParam('game_date', run.gameDate), run_id: run.runId } },
  );
  if (already) return;
  await streamRows(bigquery, 'nba_orchestration.game_day_runs', [
    {
      insertId: `close/${run.runId}`,
      json: {
        game_date: run.gameDate,
        run_id: run.runId,
        workflow_id: run.workflowId,
        outcome: run.outcome,
        correlation_id: run.correlationId || null,
        opened_at: run.openedAt ?? run.closedAt,
        closed_at: run.closedAt,
        backfill: run.backfill ?? false,
      },
    },
  ]);
}

/** How many runs of the date have closed (the first run and its reruns). */
export async function closedRunCount(bigquery: BigQueryClient, gameDate: string): Promise<number> {
  const [row] = await runQuery(
    bigquery,
    'SELECT COUNT(DISTINCT run_id) AS n FROM nba_orchestration.game_day_runs WHERE game_date = @game_date',
    { params: { game_date: dateParam('game_date', gameDate) } },
  );
  return Number(row?.n ?? 0);
}

/** Which of the runs have their close in the run history. */
export async function recordedRunIds(bigquery: BigQueryClient, runIds: readonly string[]): Promise<Set<string>> {
  if (runIds.length === 0) return new Set();
  const rows = await runQuery(
    bigquery,
    'SELECT DISTINCT run_id FROM nba_orchestration.game_day_runs WHERE run_id IN UNNEST(@run_ids)',
    { params: { run_ids: [...runIds] } },
  );
  return new Set(rows.map((row) => textColumn(row, 'run_id')));
}
