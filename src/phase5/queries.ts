// What phase 5 asks BigQuery: phase 4 readiness, stragglers, coverage. One parameterised query per
// function, plain values back.
import type { BigQuery } from '@google-cloud/bigquery';
import { dateParam, runQuery, textColumn } from '../platform/bigquery';

/** Phase 4 is ready for a date once its feature rows exist. */
export async function featureRowCount(bigquery: BigQuery, gameDate: string): Promise<number> {
  const [row] = await runQuery(
    bigquery,
    'SELECT COUNT(*) AS feature_rows FROM nba_precompute.ml_feature_store_v2 WHERE game_date = @game_date',
    { params: { game_date: dateParam('game_date', gameDate) } },
  );
  return Number(row?.feature_rows ?? 0);
}

/** Players with features for the date but no active prediction yet (phase 5 stragglers), sorted. */
export async function playersMissingPredictions(bigquery: BigQuery, gameDate: string): Promise<string[]> {
  const rows = await runQuery(
    bigquery,
    `SELECT DISTINCT f.player_lookup
FROM nba_precompute.ml_feature_store_v2 AS f
LEFT JOIN nba_predictions.player_prop_predictions AS p
  ON p.game_date = f.game_date AND p.player_lookup = f.player_lookup AND p.is_active
WHERE f.game_date = @game_date AND p.player_lookup IS NULL
ORDER BY f.player_lookup`,
    { params: { game_date: dateParam('game_date', gameDate) } },
  );
  return rows.map((row) => textColumn(row, 'player_lookup'));
}

export interface PredictionCoverage {
  /** Players with features and at least one active prediction. */
  predicted: number;
  /** Players with features. */
  expected: number;
  /** predicted / expected × 100, one decimal; 0 when nothing is expected. */
  pct: number;
}

export async function predictionCoverage(bigquery: BigQuery, gameDate: string): Promise<PredictionCoverage> {
  const [row] = await runQuery(
    bigquery,
    `SELECT
  COUNT(DISTINCT f.player_lookup) AS expected,
  COUNT(DISTINCT p.player_lookup) AS predicted
FROM nba_precompute.ml_feature_store_v2 AS f
LEFT JOIN nba_predictions.player_prop_predictions AS p
  ON p.game_date = f.game_date AND p.player_lookup = f.player_lookup AND p.is_active
WHERE f.game_date = @game_date`,
    { params: { game_date: dateParam('game_date', gameDate) } },
  );
  const expected = Number(row?.expected ?? 0);
  const predicted = Number(row?.predicted ?? 0);
  return { predicted, expected, pct: expected === 0 ? 0 : Math.round((predicted / expected) * 1000) / 10 };
}
