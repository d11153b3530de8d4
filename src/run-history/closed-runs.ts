// The closes the run history holds for a range of dates (`pipeline days`): the first per date.
import type { BigQuery } from '@google-cloud/bigquery';
import { dateParam, optionalTextColumn, runQuery, textColumn } from '../platform/bigquery';
import type { ClosedRun } from './run-history';

const text = (value: unknown): string =>
  typeof value === 'object' && value !== null && 'value' in value ? String(value.value) : String(value);

export async function closedRunsBetween(bigquery: BigQuery, from: string, to: string): Promise<ClosedRun[]> {
  const rows = await runQuery(
    bigquery,
    `SELECT game_date, run_id, workflow_id, outcome, correlation_id, opened_at, closed_at
FROM nba_orchestration.game_day_runs
WHERE game_date BETWEEN @from_date AND @to_date
ORDER BY game_date, closed_at`,
    { params: { from_date: dateParam('from_date', from), to_date: dateParam('to_date', to) } },
  );
  const first = new Map<string, ClosedRun>();
  for (const row of rows) {
    const gameDate = text(row.game_date);
    if (first.has(gameDate)) continue;
    first.set(gameDate, {
      gameDate,
      runId: textColumn(row, 'run_id'),
      workflowId: textColumn(row, 'workflow_id'),
      outcome: textColumn(row, 'outcome'),
      correlationId: optionalTextColumn(row, 'correlation_id'),
      openedAt: row.opened_at ? text(row.opened_at) : null,
      closedAt: text(row.closed_at),
    });
  }
  return [...first.values()];
}
