// Phase 6 publishing as data: what each export type writes where, which query feeds it, and when
// the scheduled exports run. Pure module: imported by workflows, so no Node built-ins and no I/O.
import type { Duration } from '@temporalio/common';
import { timeZones, type TargetDate } from '../time';

export const exportTypes = [
  'tonight',
  'tonight-players',
  'predictions',
  'streaks',
  'results',
  'performance',
  'best-bets',
  'player-profiles',
] as const;
export type ExportType = (typeof exportTypes)[number];

/** A key into the BigQuery layer's `exportQueries` (one query per export type). */
export type ExportQueryKey = ExportType;

export interface ExportDefinition {
  query: ExportQueryKey;
  /** Written on every run. `{date}` becomes the target date (YYYY-MM-DD). */
  datedPaths: readonly string[];
  /** Also written when the trigger says `update_latest`: the files the website reads. */
  latestPaths: readonly string[];
}

/** Paths are object names under the API bucket (the website's API bucket: gs://nba-props-platform-api/v1/…). */
export const exportDefinitions: Readonly<Record<ExportType, ExportDefinition>> = {
  tonight: {
    query: 'tonight',
    datedPaths: ['v1/tonight/{date}/all-players.json'],
    latestPaths: ['v1/tonight/all-players.json'],
  },
  'tonight-players': {
    query: 'tonight-players',
    datedPaths: ['v1/tonight/{date}/players.json'],
    latestPaths: ['v1/tonight/players.json'],
  },
  predictions: {
    query: 'predictions',
    datedPaths: ['v1/predictions/{date}.json'],
    latestPaths: ['v1/predictions/today.json'],
  },
  streaks: {
    query: 'streaks',
    datedPaths: ['v1/streaks/{date}.json'],
    latestPaths: ['v1/streaks/today.json'],
  },
  results: {
    query: 'results',
    datedPaths: ['v1/results/{date}.json'],
    latestPaths: ['v1/results/latest.json'],
  },
  performance: {
    query: 'performance',
    datedPaths: ['v1/systems/performance/{date}.json'],
    latestPaths: ['v1/systems/performance.json'],
  },
  'best-bets': {
    query: 'best-bets',
    datedPaths: ['v1/best-bets/{date}.json'],
    latestPaths: ['v1/best-bets/latest.json'],
  },
  'player-profiles': {
    query: 'player-profiles',
    // Profiles describe the season so far; the dated copy is the snapshot as of the run's date.
    datedPaths: ['v1/players/snapshots/{date}.json'],
    latestPaths: ['v1/players/index.json'],
  },
};

/** Where one export of `type` for `targetDate` is written, dated copy first. */
export function exportPaths(type: ExportType, targetDate: string, updateLatest: boolean): string[] {
  const definition = exportDefinitions[type];
  const templates = updateLatest ? [...definition.datedPaths, ...definition.latestPaths] : definition.datedPaths;
  return templates.map((template) => template.replaceAll('{date}', targetDate));
}

/**
 * The groups of export types that run together. Each set has one export workflow per target date
 * (`export-<date>-<set>`), whoever triggers it: the event-driven trigger and the backup schedule of
 * the `tonight` set share the ID, so the backup sees that the date already ran.
 */
export const exportSets = {
  tonight: { exportTypes: ['tonight', 'tonight-players', 'predictions', 'streaks'], updateLatest: true },
  results: { exportTypes: ['results', 'performance', 'best-bets'], updateLatest: true },
  'player-profiles': { exportTypes: ['player-profiles'], updateLatest: true, minGames: 5 },
} as const satisfies Record<string, { exportTypes: readonly ExportType[]; updateLatest: boolean; minGames?: number }>;
export type ExportSet = keyof typeof exportSets;

/** What the phase 5→6 gate asks for once predictions are complete. */
export const eventDrivenExport = {
  set: 'tonight',
  exportTypes: exportSets.tonight.exportTypes,
  updateLatest: true,
} as const;

export const defaultMinGames = 5;

/** What a scheduled export run is started with (the Schedule's workflow argument). */
export interface ScheduledExportJob {
  /** The schedule's ID, published as `triggered_by`. */
  schedule: string;
  set: ExportSet;
  /** Resolved against the scheduled time; an explicit YYYY-MM-DD runs that date (manual runs). */
  targetDate: TargetDate;
  /** Run again even when this date's export of the set already ran. */
  force?: boolean;
}

interface ScheduleBase {
  id: string;
  /** Cron expression, evaluated in `timeZone`. */
  cron: string;
  timeZone: string;
  description: string;
  /** How late a missed firing (server down) may still run. */
  catchupWindow: Duration;
}

export type ScheduleDefinition =
  | (ScheduleBase & { workflow: 'scheduledExportWorkflow'; job: ScheduledExportJob })
  | (ScheduleBase & { workflow: 'openGameDayWorkflow' | 'healthWorkflow' | 'reconcileWorkflow' });

export const schedules: readonly ScheduleDefinition[] = [
  {
    id: 'phase6-daily-results',
    cron: '0 10 * * *', // 10:00 UTC = 5 AM ET: last night's games are final
    timeZone: 'UTC',
    description: 'results, performance and best bets for yesterday',
    catchupWindow: '6 hours',
    workflow: 'scheduledExportWorkflow',
    job: { schedule: 'phase6-daily-results', set: 'results', targetDate: 'yesterday' },
  },
  {
    id: 'phase6-tonight-picks',
    cron: '0 18 * * *', // 18:00 UTC = 1 PM ET: backup for the event-driven tonight export
    timeZone: 'UTC',
    // The 1 PM refresh always rewrites tonight's files (late lines, late predictions),
    // also after the event-driven export ran; a forced run has its own trigger id.
    description: "refreshes tonight's picks, whether or not the event-driven export ran",
    catchupWindow: '3 hours',
    workflow: 'scheduledExportWorkflow',
    job: { schedule: 'phase6-tonight-picks', set: 'tonight', targetDate: 'today', force: true },
  },
  {
    id: 'phase6-player-profiles',
    cron: '0 11 * * 0', // 11:00 UTC Sundays = 6 AM ET: weekly, no urgency
    timeZone: 'UTC',
    description: 'weekly player profiles (players with at least 5 games)',
    catchupWindow: '12 hours',
    workflow: 'scheduledExportWorkflow',
    job: { schedule: 'phase6-player-profiles', set: 'player-profiles', targetDate: 'today' },
  },
  {
    id: 'game-day-opener',
    // 08:05 UTC is 00:05 PST / 01:05 PDT: always just after midnight in Los Angeles, so "today" there
    // is the new game date all year, and the run (with its deadlines) is open before the day's first
    // scrapes. A UTC time before 08:00 would, in winter, still be yesterday in Los Angeles.
    cron: '5 8 * * *',
    timeZone: 'UTC',
    description: "opens today's game-day run (America/Los_Angeles date) so its deadlines run",
    catchupWindow: '12 hours',
    workflow: 'openGameDayWorkflow',
  },
  {
    id: 'pipeline-reconcile',
    // After the morning's processor runs and before the health check, which then sees what is still wrong.
    cron: '30 7 * * *',
    timeZone: timeZones.eastern,
    description: 'hands completions the run history shows but the runs never received to their runs, and alerts',
    catchupWindow: '6 hours',
    workflow: 'reconcileWorkflow',
  },
  {
    id: 'pipeline-health',
    cron: '0 8 * * *', // the daily health check, 8 AM ET (docs/operations.md)
    timeZone: timeZones.eastern,
    description: 'checks the whole pipeline and alerts on each problem (once per kind and date)',
    catchupWindow: '6 hours',
    workflow: 'healthWorkflow',
  },
];
