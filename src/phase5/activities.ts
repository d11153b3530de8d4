// What phase 5 reads from BigQuery: phase 4 readiness, stragglers, coverage.
import type { BigQuery } from '@google-cloud/bigquery';
import { featureRowCount, playersMissingPredictions, predictionCoverage, type PredictionCoverage } from './queries';

export type Coverage = PredictionCoverage;

export function createPhase5Activities(bigquery: BigQuery) {
  return {
    /** Phase 4 is ready for a date once its feature rows exist. */
    featureRowCount: (gameDate: string): Promise<number> => featureRowCount(bigquery, gameDate),
    /** Players with features but no prediction yet. */
    playersMissingPredictions: (gameDate: string): Promise<string[]> => playersMissingPredictions(bigquery, gameDate),
    predictionCoverage: (gameDate: string): Promise<Coverage> => predictionCoverage(bigquery, gameDate),
  };
}

export type Phase5Activities = ReturnType<typeof createPhase5Activities>;
