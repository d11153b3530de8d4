// The orchestrator's run history in BigQuery: which dates have closed, kept beyond Temporal's
// retention, so a redelivered message can never reopen a closed date.
import { BigQuery, type BigQuery as BigQueryClient } from '@google-cloud/bigquery';
import { dateParam, optionalTextColumn, runQuery, textColumn } from './client';

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
 * Records a close once per run: the job id is the run's, so a retried write joins the first job
 * (even one still running), and the row check covers a job id BigQuery no longer remembers.
 */
export async function recordRunClosed(bigquery: BigQueryClient, run: ClosedRun): Promise<void> {
  await runQuery(
    bigquery,
    `INSERT INTO nba_orchestration.game_day_runs (game_date, run_id, workflow_id, outcome, correlation_id, opened_at, closed_at, backfill)
SELECT @game_date, @run_id, @workflow_id, @outcome, @correlation_id, @opened_at, @closed_at, @backfill
FROM (SELECT 1) AS one
WHERE NOT EXISTS (SELECT 1 FROM nba_orchestration.game_day_runs WHERE game_date = @game_date AND run_id = @run_id)`,
    {
      params: {
        game_date: dateParam('game_date', run.gameDate),
        run_id: run.runId,
        workflow_id: run.workflowId,
        outcome: run.outcome,
        correlation_id: run.correlationId ?? '',
        opened_at: BigQuery.timestamp(run.openedAt ?? run.closedAt),
        closed_at: BigQuery.timestamp(run.closedAt),
        backfill: run.backfill ?? false,
      },
      jobId: `game_day_close_${run.runId.replace(/[^A-Za-z0-9_-]/g, '_')}`,
    },
  );
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
