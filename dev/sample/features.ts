// nba_precompute.ml_feature_store_v2: phase 4's features, one row per player on the game date.
import type { BigQuery } from '@google-cloud/bigquery';
import { round1, unit, type Game, type RosterPlayer } from './roster';
import { replaceRows, type ColumnType } from './write';

export const featureVersion = 'v2_25features';
const featureCount = 25;

export type FeatureRow = {
  player_lookup: string;
  game_id: string;
  features: number[];
  feature_count: number;
  feature_version: string;
  feature_quality_score: number;
};

const featureColumns = {
  player_lookup: 'STRING',
  game_id: 'STRING',
  features: ['FLOAT64'],
  feature_count: 'INT64',
  feature_version: 'STRING',
  feature_quality_score: 'FLOAT64',
} satisfies Record<keyof FeatureRow, ColumnType>;

export function featureRows(gameDate: string, players: RosterPlayer[], games: Map<string, Game>): FeatureRow[] {
  return players.map((p) => ({
    player_lookup: p.playerLookup,
    game_id: games.get(p.team)!.gameId,
    features: Array.from({ length: featureCount }, (_, k) =>
      round1(
        (k % 2 === 0 ? p.pointsAverage : p.minutesAverage) * (0.6 + 0.8 * unit(gameDate, p.playerLookup, `f${k}`)),
      ),
    ),
    feature_count: featureCount,
    feature_version: featureVersion,
    feature_quality_score: round1(70 + 30 * unit(gameDate, p.playerLookup, 'quality')),
  }));
}

export async function writeFeatureRows(bigquery: BigQuery, gameDate: string, rows: FeatureRow[]): Promise<void> {
  await replaceRows(bigquery, {
    table: 'nba_precompute.ml_feature_store_v2',
    dateColumn: 'game_date',
    date: gameDate,
    keys: ['player_lookup'],
    columns: featureColumns,
    stampColumns: ['created_at', 'updated_at'],
    rows,
  });
}
