// What phase 5 reads from BigQuery: the schedule, phase 4 readiness, stragglers, coverage.
import type { BigQuery } from '@google-cloud/bigquery';
import { featureRowCount, playersMissingPredictions, predictionCoverage } from '../exports/queries';
import { nextGameDate, scheduledDay, type ScheduledDay } from './schedule';

export type { ScheduledDay, ScheduleVerdict } from './schedule';

export interface Coverage {
  predicted: number;
  expected: number;
  pct: number;
}

export function createBigQueryActivities(bigquery: BigQuery) {
  return {
    /** Phase 4 is ready for a date once its feature rows exist. */
    featureRowCount: (gameDate: string): Promise<number> => featureRowCount(bigquery, gameDate),
    /** Players with features but no prediction yet. */
    playersMissingPredictions: (gameDate: string): Promise<string[]> => playersMissingPredictions(bigquery, gameDate),
    predictionCoverage: (gameDate: string): Promise<Coverage> => predictionCoverage(bigquery, gameDate),
    /** Whether the date has games, by the season's schedule (`unknown` when the schedule does not cover it). */
    scheduledDay: (gameDate: string): Promise<ScheduledDay> => scheduledDay(bigquery, gameDate),
    /** The next date with games after `gameDate`, by the schedule; null when it does not say. */
    nextGameDate: (gameDate: string): Promise<string | null> => nextGameDate(bigquery, gameDate),
  };
}
