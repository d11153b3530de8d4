// nba_raw.nbac_schedule: the sample's games of a date, as NbacScheduleProcessor writes them.
import type { BigQuery } from '@google-cloud/bigquery';
import { dateParam } from '../../src/platform/bigquery';
import { pipeline } from '../../src/pipeline/definition';
import type { Game } from './roster';
import { replaceRows, write, type ColumnType } from './write';

export type ScheduleRow = {
  game_id: string;
  home_team_abbr: string;
  away_team_abbr: string;
  game_status: string;
};

const scheduleColumns = {
  game_id: 'STRING',
  home_team_abbr: 'STRING',
  away_team_abbr: 'STRING',
  game_status: 'STRING',
} satisfies Record<keyof ScheduleRow, ColumnType>;

/** One row per game of the pairing (each game is in the map twice, once per team). */
export function scheduleRows(games: Map<string, Game>): ScheduleRow[] {
  const rows = new Map<string, ScheduleRow>();
  for (const [team, game] of games) {
    if (!game.home) continue;
    rows.set(game.gameId, {
      game_id: game.gameId,
      home_team_abbr: team,
      away_team_abbr: game.opponent,
      game_status: 'scheduled',
    });
  }
  return [...rows.values()].sort((a, b) => a.game_id.localeCompare(b.game_id));
}

/** The date's games become exactly `rows` (none: a day without games). */
export async function writeScheduleRows(bigquery: BigQuery, gameDate: string, rows: ScheduleRow[]): Promise<void> {
  await replaceRows(bigquery, {
    table: pipeline.schedule.table,
    dateColumn: 'game_date',
    date: gameDate,
    keys: ['game_id'],
    columns: scheduleColumns,
    stampColumns: ['processed_at'],
    rows,
  });
}

/** Writes the date's games only when the schedule has none for it: a neighbour is never overwritten. */
export async function scheduleIfMissing(bigquery: BigQuery, gameDate: string, rows: ScheduleRow[]): Promise<void> {
  const { table } = pipeline.schedule;
  await write(
    bigquery,
    table,
    `INSERT INTO ${table} (game_date, game_id, home_team_abbr, away_team_abbr, game_status, processed_at)
SELECT @date, item.game_id, item.home_team_abbr, item.away_team_abbr, item.game_status, CURRENT_TIMESTAMP()
FROM UNNEST(@rows) AS item
WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE game_date = @date)`,
    { params: { date: dateParam('date', gameDate), rows }, types: { rows: [scheduleColumns] } },
  );
}
