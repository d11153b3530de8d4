// What the season's schedule says about a date: how many games, and whether the schedule knows the
// date at all (a schedule not loaded must not silence a real game day).
import type { BigQuery } from '@google-cloud/bigquery';
import { pipeline } from '../pipeline/definition';
import { dateParam, runQuery } from '../platform/bigquery';

/** `games`: play today; `no_games`: a known day off; `unknown`: the schedule does not cover the date. */
export type ScheduleVerdict = 'games' | 'no_games' | 'unknown';

export interface ScheduledDay {
  gameDate: string;
  verdict: ScheduleVerdict;
  /** Games played on the date (postponed and cancelled ones aside). */
  games: number;
  /** Schedule rows before and after the date. */
  before: number;
  after: number;
}

/** A date without games is one the schedule covers (rows on both sides of it) with none for it. Pure. */
export function scheduleVerdict(counts: Pick<ScheduledDay, 'games' | 'before' | 'after'>): ScheduleVerdict {
  if (counts.games > 0) return 'games';
  return counts.before > 0 && counts.after > 0 ? 'no_games' : 'unknown';
}

export async function scheduledDay(bigquery: BigQuery, gameDate: string): Promise<ScheduledDay> {
  const { table, notPlayed } = pipeline.schedule;
  const [row] = await runQuery(
    bigquery,
    `SELECT
  COUNTIF(game_date = @game_date AND LOWER(IFNULL(game_status, '')) NOT IN (${notPlayed.map((s) => `'${s}'`).join(', ')})) AS games,
  COUNTIF(game_date < @game_date) AS before_rows,
  COUNTIF(game_date > @game_date) AS after_rows
FROM ${table}`,
    { params: { game_date: dateParam('game_date', gameDate) } },
  );
  const counts = {
    games: Number(row?.games ?? 0),
    before: Number(row?.before_rows ?? 0),
    after: Number(row?.after_rows ?? 0),
  };
  return { gameDate, verdict: scheduleVerdict(counts), ...counts };
}

/**
 * The next date after `gameDate` with games on the schedule (postponed and cancelled ones aside),
 * or null when the schedule has nothing after it (not loaded yet).
 */
export async function nextGameDate(bigquery: BigQuery, gameDate: string): Promise<string | null> {
  const { table, notPlayed } = pipeline.schedule;
  const [row] = await runQuery(
    bigquery,
    `SELECT CAST(MIN(game_date) AS STRING) AS next_date
FROM ${table}
WHERE game_date > @game_date AND LOWER(IFNULL(game_status, '')) NOT IN (${notPlayed.map((s) => `'${s}'`).join(', ')})`,
    { params: { game_date: dateParam('game_date', gameDate) } },
  );
  const next = row?.next_date;
  return typeof next === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(next) ? next : null;
}
