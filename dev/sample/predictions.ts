// nba_predictions.player_prop_predictions: phase 5's points predictions, every system, for a share of the players.
import type { BigQuery } from '@google-cloud/bigquery';
import { primarySystem } from '../../src/exports/queries';
import { pointsLine, round1, unit, type Game, type RosterPlayer } from './roster';
import { replaceRows, type ColumnType } from './write';

export const predictionSystems = [primarySystem, 'moving_average_baseline_v1'] as const;

export type PredictionRow = {
  prediction_id: string;
  system_id: string;
  game_id: string;
  player_lookup: string;
  prop_type: string;
  line_value: number;
  predicted_value: number;
  confidence_score: number;
  recommendation: 'OVER' | 'UNDER' | 'PASS';
  is_active: boolean;
};

const predictionColumns = {
  prediction_id: 'STRING',
  system_id: 'STRING',
  game_id: 'STRING',
  player_lookup: 'STRING',
  prop_type: 'STRING',
  line_value: 'FLOAT64',
  predicted_value: 'FLOAT64',
  confidence_score: 'FLOAT64',
  recommendation: 'STRING',
  is_active: 'BOOL',
} satisfies Record<keyof PredictionRow, ColumnType>;

/** The `coverage` share of the players that get predictions; which ones changes with the date. */
export function predictedPlayers(gameDate: string, players: RosterPlayer[], coverage: number): RosterPlayer[] {
  return [...players]
    .sort((a, b) => unit(gameDate, a.playerLookup, 'cover') - unit(gameDate, b.playerLookup, 'cover'))
    .slice(0, Math.round(players.length * coverage));
}

export function predictionRows(gameDate: string, predicted: RosterPlayer[], games: Map<string, Game>): PredictionRow[] {
  return predicted.flatMap((p) =>
    predictionSystems.map((system) => {
      const line = pointsLine(gameDate, p);
      const spread = system === primarySystem ? 6 : 8;
      const value = round1(Math.max(0, p.pointsAverage + spread * (unit(gameDate, p.playerLookup, system) - 0.5)));
      const edge = value - line;
      return {
        prediction_id: `${system}-${gameDate}-${p.playerLookup}-points`,
        system_id: system,
        game_id: games.get(p.team)!.gameId,
        player_lookup: p.playerLookup,
        prop_type: 'points',
        line_value: line,
        predicted_value: value,
        confidence_score: round1(
          Math.min(95, 50 + 8 * Math.abs(edge) + 10 * unit(gameDate, p.playerLookup, system, 'conf')),
        ),
        recommendation: edge >= 1.5 ? 'OVER' : edge <= -1.5 ? 'UNDER' : 'PASS',
        is_active: true,
      };
    }),
  );
}

export async function writePredictionRows(bigquery: BigQuery, gameDate: string, rows: PredictionRow[]): Promise<void> {
  await replaceRows(bigquery, {
    table: 'nba_predictions.player_prop_predictions',
    dateColumn: 'game_date',
    date: gameDate,
    keys: ['player_lookup', 'system_id', 'prop_type'],
    columns: predictionColumns,
    stampColumns: ['created_at'],
    rows,
  });
}
