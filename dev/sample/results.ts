// nba_analytics.player_game_summary: the box scores of the day before, graded against that day's lines.
import type { BigQuery } from '@google-cloud/bigquery';
import { pointsLine, round1, unit, type Game, type RosterPlayer } from './roster';
import { replaceRows, type ColumnType } from './write';

export type ResultRow = {
  game_id: string;
  player_lookup: string;
  player_full_name: string;
  team_abbr: string;
  opponent_team_abbr: string;
  home_game: boolean;
  minutes_played: number;
  points: number;
  rebounds: number;
  assists: number;
  points_line: number;
  over_under_result: 'OVER' | 'UNDER';
};

const resultColumns = {
  game_id: 'STRING',
  player_lookup: 'STRING',
  player_full_name: 'STRING',
  team_abbr: 'STRING',
  opponent_team_abbr: 'STRING',
  home_game: 'BOOL',
  minutes_played: 'FLOAT64',
  points: 'INT64',
  rebounds: 'INT64',
  assists: 'INT64',
  points_line: 'FLOAT64',
  over_under_result: 'STRING',
} satisfies Record<keyof ResultRow, ColumnType>;

export function resultRows(resultsDate: string, players: RosterPlayer[], games: Map<string, Game>): ResultRow[] {
  return players.map((p) => {
    const game = games.get(p.team)!;
    const points = Math.max(0, Math.round(p.pointsAverage + 16 * (unit(resultsDate, p.playerLookup, 'pts') - 0.5)));
    const line = pointsLine(resultsDate, p);
    return {
      game_id: game.gameId,
      player_lookup: p.playerLookup,
      player_full_name: p.fullName,
      team_abbr: p.team,
      opponent_team_abbr: game.opponent,
      home_game: game.home,
      minutes_played: round1(Math.max(0, p.minutesAverage + 8 * (unit(resultsDate, p.playerLookup, 'min') - 0.5))),
      points,
      rebounds: Math.floor(12 * unit(resultsDate, p.playerLookup, 'reb')),
      assists: Math.floor(9 * unit(resultsDate, p.playerLookup, 'ast')),
      points_line: line,
      // Lines end in .5, so there is no push.
      over_under_result: points > line ? 'OVER' : 'UNDER',
    };
  });
}

export async function writeResultRows(bigquery: BigQuery, resultsDate: string, rows: ResultRow[]): Promise<void> {
  await replaceRows(bigquery, {
    table: 'nba_analytics.player_game_summary',
    dateColumn: 'game_date',
    date: resultsDate,
    keys: ['player_lookup', 'game_id'],
    columns: resultColumns,
    stampColumns: ['processed_at'],
    rows,
  });
}
