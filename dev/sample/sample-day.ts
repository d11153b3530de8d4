// A simulated game day's rows, for the local stack and tests: who plays (context), phase 4 features,
// phase 5 predictions for a share of the players, and the previous day's results. Deterministic:
// the same date and options give the same rows, so seeding a date again replaces it with itself.
// Each table's rows are made and written in its own module under ./sample/.
import type { BigQuery } from '@google-cloud/bigquery';
import { dateParam } from '../../src/platform/bigquery';
import { addDays } from '../../src/time';
import { contextRows, writeContextRows, type ContextRow } from './context';
import { featureRows, writeFeatureRows, type FeatureRow } from './features';
import { predictedPlayers, predictionRows, writePredictionRows, type PredictionRow } from './predictions';
import { resultRows, writeResultRows, type ResultRow } from './results';
import { roster, schedule } from './roster';
import { runRows, upsertRuns, type RunRow } from './runs';
import { scheduleIfMissing, scheduleRows, writeScheduleRows, type ScheduleRow } from './schedule';

export { featureVersion, type FeatureRow } from './features';
export { predictionSystems, type PredictionRow } from './predictions';
export { maxPlayers, roster, type RosterPlayer } from './roster';
export type { ContextRow } from './context';
export type { ResultRow } from './results';
export type { RunRow } from './runs';
export type { ScheduleRow } from './schedule';

export interface SampleDayOptions {
  /** Players with features on the date; the roster is the same every day. Default 100, at most 390. */
  players?: number;
  /** Share (0–1) of those players that get predictions. Default 1. */
  predictionCoverage?: number;
  /** Recorded on the sample's processor runs. Default `sample-<date>`. */
  correlationId?: string;
  /** A day without games: an empty schedule for the date (its neighbours have games), no players. */
  noGames?: boolean;
}

export interface SampleDay {
  gameDate: string;
  /** The results in this sample are for this date's games. */
  resultsDate: string;
  context: ContextRow[];
  features: FeatureRow[];
  predictions: PredictionRow[];
  results: ResultRow[];
  runs: RunRow[];
  /** The date's games in the schedule (none on a day without games). */
  schedule: ScheduleRow[];
  /** The days either side of a day without games, with their games: the schedule covers the date. */
  neighbours: { gameDate: string; schedule: ScheduleRow[] }[];
  /** Players with features and no prediction, sorted. */
  missingPredictions: string[];
}

export function sampleDay(gameDate: string, options: SampleDayOptions = {}): SampleDay {
  dateParam('gameDate', gameDate);
  const count = options.noGames ? 0 : (options.players ?? 100);
  const coverage = options.predictionCoverage ?? 1;
  if (!(coverage >= 0 && coverage <= 1)) throw new Error(`predictionCoverage must be from 0 to 1, got ${coverage}`);
  const players = roster(count);
  const playedBefore = roster(options.players ?? 100);
  const resultsDate = addDays(gameDate, -1);
  const correlationId = options.correlationId ?? `sample-${gameDate}`;

  const todaysGames = schedule(gameDate, players);
  const context = contextRows(gameDate, players, todaysGames);
  const features = featureRows(gameDate, players, todaysGames);
  const predicted = predictedPlayers(gameDate, players, coverage);
  const predictions = predictionRows(gameDate, predicted, todaysGames);
  const predictedNames = new Set(predicted.map((p) => p.playerLookup));
  const results = resultRows(resultsDate, playedBefore, schedule(resultsDate, playedBefore));
  const runs = runRows(gameDate, resultsDate, correlationId, {
    results: results.length,
    context: context.length,
    features: features.length,
    predictions: predictions.length,
    unpredicted: count - predicted.length,
  });

  return {
    gameDate,
    resultsDate,
    context,
    features,
    predictions,
    results,
    runs,
    schedule: scheduleRows(todaysGames),
    neighbours: options.noGames
      ? [resultsDate, addDays(gameDate, 1)].map((date) => ({
          gameDate: date,
          schedule: scheduleRows(schedule(date, playedBefore)),
        }))
      : [],
    missingPredictions: players
      .map((p) => p.playerLookup)
      .filter((name) => !predictedNames.has(name))
      .sort(),
  };
}

/**
 * Writes the sample day: each table's rows for its date are replaced in one MERGE (no duplicates,
 * and no window where the date is empty); other dates are untouched. Returns what it wrote.
 */
export async function seedSampleDay(
  bigquery: BigQuery,
  gameDate: string,
  options: SampleDayOptions = {},
): Promise<SampleDay> {
  const day = sampleDay(gameDate, options);
  await writeContextRows(bigquery, day.gameDate, day.context);
  await writeFeatureRows(bigquery, day.gameDate, day.features);
  await writePredictionRows(bigquery, day.gameDate, day.predictions);
  await writeResultRows(bigquery, day.resultsDate, day.results);
  await upsertRuns(bigquery, day.runs);
  await writeScheduleRows(bigquery, day.gameDate, day.schedule);
  for (const neighbour of day.neighbours) await scheduleIfMissing(bigquery, neighbour.gameDate, neighbour.schedule);
  return day;
}
