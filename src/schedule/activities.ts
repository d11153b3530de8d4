// What the workflows ask of the season's schedule.
import type { BigQuery } from '@google-cloud/bigquery';
import { nextGameDate, scheduledDay, type ScheduledDay } from './schedule';

export type { ScheduledDay, ScheduleVerdict } from './schedule';

export function createScheduleActivities(bigquery: BigQuery) {
  return {
    /** Whether the date has games, by the season's schedule (`unknown` when the schedule does not cover it). */
    scheduledDay: (gameDate: string): Promise<ScheduledDay> => scheduledDay(bigquery, gameDate),
    /** The next date with games after `gameDate`, by the schedule; null when it does not say. */
    nextGameDate: (gameDate: string): Promise<string | null> => nextGameDate(bigquery, gameDate),
  };
}

export type ScheduleActivities = ReturnType<typeof createScheduleActivities>;
