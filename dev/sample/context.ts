// nba_analytics.upcoming_player_game_context: who plays on the game date, and against whom.
import type { BigQuery } from '@google-cloud/bigquery';
import { unit, type Game, type RosterPlayer } from './roster';
import { replaceRows, type ColumnType } from './write';

export type ContextRow = {
  game_id: string;
  player_lookup: string;
  player_full_name: string;
  team_abbr: string;
  opponent_team_abbr: string;
  home_game: boolean;
  days_rest: number;
};

const contextColumns = {
  game_id: 'STRING',
  player_lookup: 'STRING',
  player_full_name: 'STRING',
  team_abbr: 'STRING',
  opponent_team_abbr: 'STRING',
  home_game: 'BOOL',
  days_rest: 'INT64',
} satisfies Record<keyof ContextRow, ColumnType>;

export function contextRows(gameDate: string, players: RosterPlayer[], games: Map<string, Game>): ContextRow[] {
  return players.map((p) => {
    const game = games.get(p.team)!;
    return {
      game_id: game.gameId,
      player_lookup: p.playerLookup,
      player_full_name: p.fullName,
      team_abbr: p.team,
      opponent_team_abbr: game.opponent,
      home_game: game.home,
      days_rest: 1 + Math.floor(3 * unit(gameDate, p.playerLookup, 'rest')),
    };
  });
}

export async function writeContextRows(bigquery: BigQuery, gameDate: string, rows: ContextRow[]): Promise<void> {
  await replaceRows(bigquery, {
    table: 'nba_analytics.upcoming_player_game_context',
    dateColumn: 'game_date',
    date: gameDate,
    keys: ['player_lookup'],
    columns: contextColumns,
    stampColumns: ['processed_at'],
    rows,
  });
}
