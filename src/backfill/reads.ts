// What a backfill reads from BigQuery: the game dates of its range by the season's schedule, and
// when each processor last succeeded for a date (the processors write `processor_run_history` on
// every run, also when a backfill asked them to publish no completion).
import type { BigQuery } from '@google-cloud/bigquery';
import { addDays } from '../time';
import { pipeline } from '../pipeline/definition';
import { dateParam, optionalTextColumn, runQuery, textColumn } from '../platform/bigquery';
import { nextGameDate } from '../schedule/schedule';

/** A game date D of the range and N, the next date with games after it (D+1 when the schedule does not say). */
export interface BackfillDate {
  date: string;
  next: string;
}

/** How far past the range the schedule is read for the last date's next game date. */
const lookAheadDays = 30;

/**
 * The range's game dates, each with the next game date after it. Where the schedule knows nothing
 * of the range (not loaded), every calendar date is a game date and hands over to the next day.
 */
export async function backfillDates(bigquery: BigQuery, from: string, to: string): Promise<BackfillDate[]> {
  const { table, notPlayed } = pipeline.schedule;
  const rows = await runQuery(
    bigquery,
    `SELECT DISTINCT CAST(game_date AS STRING) AS game_date
FROM ${table}
WHERE game_date BETWEEN @from_date AND @to_date
  AND LOWER(IFNULL(game_status, '')) NOT IN (${notPlayed.map((s) => `'${s}'`).join(', ')})
ORDER BY game_date`,
    {
      params: {
        from_date: dateParam('from_date', from),
        to_date: dateParam('to_date', addDays(to, lookAheadDays)),
      },
    },
  );
  const gameDates = rows.map((row) => textColumn(row, 'game_date'));
  const dates = backfillDatesOf(gameDates, from, to);
  // The last date's next game date may lie past the window (the season's end): the schedule's own rule.
  const last = dates[dates.length - 1];
  if (last && !gameDates.some((d) => d > last.date) && gameDates.length > 0) {
    last.next = (await nextGameDate(bigquery, last.date)) ?? last.next;
  }
  return dates;
}

/** Pure: game dates from..to with their next game date, from the schedule's game dates (from..to+30). */
export function backfillDatesOf(gameDates: string[], from: string, to: string): BackfillDate[] {
  const inRange = gameDates.filter((d) => d >= from && d <= to);
  if (inRange.length === 0) {
    const dates: BackfillDate[] = [];
    for (let date = from; date <= to; date = addDays(date, 1)) dates.push({ date, next: addDays(date, 1) });
    return dates;
  }
  return inRange.map((date) => ({ date, next: gameDates.find((d) => d > date) ?? addDays(date, 1) }));
}

/** The latest run of a processor for a date that counts (success, partial or no_data). */
export interface ProcessorSuccess {
  dataDate: string;
  processor: string;
  completedAt: string;
}

/** Per date and processor, the time of its latest counting run: one query for every date a backfill waits on. */
export async function latestProcessorSuccesses(bigquery: BigQuery, dates: string[]): Promise<ProcessorSuccess[]> {
  if (dates.length === 0) return [];
  const rows = await runQuery(
    bigquery,
    `SELECT CAST(data_date AS STRING) AS data_date, processor_name,
  FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', MAX(COALESCE(completed_at, started_at))) AS completed_at
FROM nba_orchestration.processor_run_history
WHERE data_date IN UNNEST(@dates) AND status IN ('success', 'partial', 'no_data')
GROUP BY data_date, processor_name`,
    { params: { dates: [...new Set(dates)].map((d) => dateParam('dates', d)) } },
  );
  return rows.flatMap((row) => {
    const completedAt = optionalTextColumn(row, 'completed_at');
    return completedAt
      ? [{ dataDate: textColumn(row, 'data_date'), processor: textColumn(row, 'processor_name'), completedAt }]
      : [];
  });
}
