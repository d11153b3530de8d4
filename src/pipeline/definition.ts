// The shape of the game-day pipeline, as data. Changing the platform means editing this file.
// Pure module: imported by workflows, so no Node built-ins and no I/O here.
import { timeZones } from '../time';
import { gameDayWorkflowIdPrefix } from './ids';

/** Durations in the definition are milliseconds, written in the unit that reads best. */
const seconds = (n: number): number => n * 1000;
const minutes = (n: number): number => n * 60_000;
const hours = (n: number): number => n * 60 * minutes(1);
const days = (n: number): number => n * 24 * hours(1);

export type PhaseKey = 'phase2' | 'phase3' | 'phase4' | 'phase5' | 'phase6';

export interface Processor {
  /** The name processors publish as `processor_name`. */
  name: string;
  /** Not needed for the date's work (a processor that may have nothing to report). */
  optional?: boolean;
  /** Other names the same processor has published under. */
  aliases?: string[];
}

export interface PhaseDefinition {
  key: PhaseKey;
  /** The seed's `phase` field value, e.g. `phase_2_raw`. */
  seedName: string;
  /** Topic the phase's processors publish their completions on (absent: nothing to collect). */
  completionTopic?: string;
  /** Topics on which one processor of the phase also announces its completion, by its own choice. */
  announcedOn?: { topic: string; processor: string }[];
  processors: Processor[];
  /** The trigger that goes out once this phase is complete; it names the phase's status. */
  trigger?: string;
}

export interface Phase4Level {
  level: number;
  processors: string[];
}

const phase2Processors: Processor[] = [
  { name: 'BdlGamesProcessor' },
  { name: 'BdlPlayerBoxscoresProcessor' },
  { name: 'BdlActivePlayersProcessor' },
  { name: 'BdlStandingsProcessor' },
  { name: 'BdlInjuriesProcessor', optional: true },
  { name: 'NbacScheduleProcessor' },
  { name: 'NbacPlayerListProcessor' },
  { name: 'NbacPlayerBoxscoreProcessor' },
  { name: 'NbacTeamBoxscoreProcessor' },
  { name: 'NbacGamebookProcessor' },
  { name: 'NbacPlayByPlayProcessor' },
  { name: 'NbacInjuryReportProcessor', optional: true },
  { name: 'NbacRefereeAssignmentsProcessor', optional: true },
  { name: 'EspnScoreboardProcessor' },
  { name: 'EspnBoxscoreProcessor' },
  { name: 'EspnTeamRosterProcessor' },
  { name: 'OddsApiPlayerPropsProcessor' },
  { name: 'OddsApiGameLinesProcessor' },
  { name: 'BettingProsPlayerPropsProcessor' },
  { name: 'BigDataBallPlayByPlayProcessor' },
  { name: 'CdnInjuryReportProcessor', optional: true },
];

const phase3Processors: Processor[] = [
  { name: 'PlayerGameSummaryProcessor' },
  { name: 'TeamOffenseGameSummaryProcessor' },
  { name: 'TeamDefenseGameSummaryProcessor' },
  { name: 'UpcomingPlayerGameContextProcessor' },
  { name: 'UpcomingTeamGameContextProcessor' },
];

const phase4Processors: Processor[] = [
  { name: 'team_defense_zone', aliases: ['TeamDefenseZoneAnalysisProcessor'] },
  { name: 'player_shot_zone', aliases: ['PlayerShotZoneAnalysisProcessor'] },
  { name: 'player_daily_cache', aliases: ['PlayerDailyCacheProcessor'] },
  { name: 'player_composite_factors', aliases: ['PlayerCompositeFactorsProcessor'] },
  { name: 'ml_feature_store_v2', aliases: ['MLFeatureStoreProcessor', 'ml_feature_store'] },
];

const phases: readonly PhaseDefinition[] = [
  {
    key: 'phase2',
    seedName: 'phase_2_raw',
    completionTopic: 'nba-phase2-raw-complete',
    processors: phase2Processors,
    trigger: 'phase3',
  },
  {
    key: 'phase3',
    seedName: 'phase_3_analytics',
    completionTopic: 'nba-phase3-analytics-complete',
    processors: phase3Processors,
    // The results of the date, complete, are handed over to the slate of the next game date.
    trigger: 'handover',
  },
  {
    key: 'phase4',
    seedName: 'phase_4_precompute',
    completionTopic: 'nba-phase4-processor-complete',
    // Seed 004: ml_feature_store_v2 publishes there itself when it is done. It counts as its level 3
    // completion, so predictions start once, on the orchestrator's own topics.phase5Start.
    announcedOn: [{ topic: 'nba-phase4-precompute-complete', processor: 'ml_feature_store_v2' }],
    processors: phase4Processors,
    trigger: 'phase5',
  },
  {
    key: 'phase5',
    seedName: 'phase_5_predictions',
    completionTopic: 'nba-phase5-predictions-complete',
    processors: [{ name: 'PredictionCoordinator' }],
    trigger: 'phase6',
  },
  { key: 'phase6', seedName: 'phase_6_publishing', processors: [] },
];

export interface LatencyTarget {
  name: string;
  /** The phase whose completions start the interval (of the results handed over, for a slate's trigger). */
  from: PhaseKey;
  /** From the phase's last completion (the orchestrator's own delay) or, end to end, its first. */
  since: 'first' | 'last';
  /** The trigger key (`phase3`, `phase4/1`, …) whose firing ends the interval. */
  trigger: string;
  targetMs: number;
  /** A miss counts towards PipelineLatencyOverTarget: only the orchestrator's own delay does. */
  countsAsMiss: boolean;
}

export const pipeline = {
  /** Workflow ID of the one run per game date. */
  workflowIdPrefix: gameDayWorkflowIdPrefix,

  phases,

  /** Phase 4 runs as a cascade: each level is triggered when every level before it is complete. */
  phase4Levels: [
    { level: 1, processors: ['team_defense_zone', 'player_shot_zone', 'player_daily_cache'] },
    { level: 2, processors: ['player_composite_factors'] },
    { level: 3, processors: ['ml_feature_store_v2'] },
  ] satisfies Phase4Level[],

  topics: {
    phase3Trigger: 'nba-phase3-trigger',
    phase4Trigger: 'nba-phase4-trigger',
    /** Not nba-phase4-precompute-complete: that one is ml_feature_store_v2's own (announcedOn above). */
    phase5Start: 'nba-phase5-trigger',
    phase5Retry: 'nba-phase5-retry-trigger',
    phase6ExportTrigger: 'nba-phase6-export-trigger',
    phase6ExportComplete: 'nba-phase6-export-complete',
    deadLetter: 'nba-orchestrator-dead-letter',
  },

  /** Who the seed's trigger messages name as `triggered_by`. */
  triggeredBy: {
    phase3: 'phase2_to_phase3_orchestrator',
    phase4: 'phase3_to_phase4_orchestrator',
    phase5: 'phase4_orchestrator',
    phase5Backup: 'phase5_backup_deadline',
    phase5Retry: 'phase5_straggler_retry',
    phase6: 'phase5_to_phase6_orchestrator',
  },

  /**
   * Processing leases (seed 003): a processor takes one on a date before it runs, so no two runs of
   * one processor work on one date at once. A lease ends on release, on the holder's completion, or
   * after its TTL, so a crashed processor blocks the next run for one TTL at most.
   */
  leases: {
    /** The seed's lock: stale after 10 minutes. A processor that runs longer renews its lease. */
    defaultTtl: minutes(10),
    minTtl: seconds(10),
    maxTtl: hours(2),
    /** Broken leases the run keeps (who broke which, and why), most recent last. */
    breaksKept: 20,
  },

  /**
   * Phase 5 deadlines, as wall-clock times on the game date. They apply to runs opened before the
   * SLA check; a run opened later (a historical or replayed date) is event-driven only.
   */
  phase5: {
    timeZone: timeZones.pacific,
    /** Not started by phase 4 by then: check readiness in BigQuery, then start anyway. */
    backupAt: '06:00',
    backupWaitsUpTo: minutes(30),
    readinessCheckEvery: minutes(5),
    /** Predictions still incomplete: ask again for the players still missing one. */
    retryAt: ['06:15', '06:30'],
    slaCheckAt: '07:00',
    slaMinCoveragePct: 90,
  },

  /**
   * The season's schedule (NbacScheduleProcessor's table). A date it has no games for, while it has
   * games before and after the date, is a day without games: phase 5 stays quiet and the run closes
   * as `no_games`. A schedule that does not reach past the date (not loaded, BigQuery down) never
   * silences a day: it is treated as a game day.
   */
  schedule: {
    table: 'nba_raw.nbac_schedule',
    /** Games with these statuses are not played that day. */
    notPlayed: ['postponed', 'cancelled'],
  },

  /** Phase 5 → 6: which prediction completions may start the exports. */
  phase6Gate: {
    acceptedStatuses: ['success', 'partial'],
    minCompletionPct: 80,
  },

  /**
   * Latency targets (seed 004's monitoring). Each transition runs from the last completion of the
   * phase before it, so the normal spread between processors is not counted as delay. End to end
   * runs from the first phase 2 completion of a night to the predictions start of the slate it was
   * handed to: shown beside its target, not counted as a miss (the scrapers' own schedule spreads it).
   */
  latencyTargets: [
    {
      name: 'phase2_to_phase3',
      from: 'phase2',
      since: 'last',
      trigger: 'phase3',
      targetMs: minutes(10),
      countsAsMiss: true,
    },
    {
      name: 'phase3_to_phase4',
      from: 'phase3',
      since: 'last',
      trigger: 'phase4/1',
      targetMs: minutes(2),
      countsAsMiss: true,
    },
    {
      name: 'phase4_to_phase5',
      from: 'phase4',
      since: 'last',
      trigger: 'phase5',
      targetMs: minutes(5),
      countsAsMiss: true,
    },
    {
      name: 'end_to_end',
      from: 'phase2',
      since: 'first',
      trigger: 'phase5',
      targetMs: minutes(60),
      countsAsMiss: false,
    },
  ] satisfies LatencyTarget[],

  /**
   * The results of a date (phases 2, 3) run the night after its games; the slate of a date (phases
   * 4, 5, 6) is the work for its own games, on its morning. Complete results are handed over to the
   * slate of the next date with games on the schedule (the next day when the schedule does not say).
   */
  day: {
    resultsPhases: ['phase2', 'phase3'] as readonly PhaseKey[],
    slatePhases: ['phase4', 'phase5', 'phase6'] as readonly PhaseKey[],
    /** The schedule read that names the next game date gives way to the next day after this long. */
    nextGameDateWaitsUpTo: seconds(20),
  },

  lifetime: {
    /** After the last trigger the run stays open this long, absorbing late duplicates, then closes. */
    quietPeriodAfterLastTrigger: hours(6),
    /** A date that never completes closes this long after it began (or its run opened, if later). */
    maxOpenDuration: days(3),
    /** Continue-as-new once the history is this long (a duplicate storm), carrying the state. */
    continueAsNewAfterEvents: 5000,
    /** A phase 5 run that failed is started again (with an alert) at most this many times. */
    phase5Restarts: 3,
    /** The carried state this large (serialized) raises an alert: far below Temporal's 2 MB payload limit. */
    carriedStateAlertBytes: 512 * 1024,
    /** Phase 4 completions kept for the cascade before it starts; beyond it the oldest of a processor go first. */
    phase4BacklogAtMost: 40,
  },

  runHistory: {
    /** Events a run buffers before writing them, besides writing at each of its steps. */
    eventBatchSize: 100,
    /** One write retries this long; then the run alerts and goes on, keeping the events for a later try. */
    writeDeadline: minutes(2),
    /** A write that gave up is tried again this long after. */
    retryFailedWriteAfter: minutes(1),
    /** Events kept unwritten at most while the history cannot be written: beyond it the oldest are dropped. */
    keepUnwrittenAtMost: 2000,
  },

  /**
   * `skip_downstream_trigger` (backfill) is honoured only for dates at least this many days before
   * today (America/Los_Angeles): on a live date one stray flag must not silence the day.
   */
  backfillOlderThanDays: 2,

  /** `pipeline backfill`: one durable run drives a range of past dates through the phases. */
  backfill: {
    /** Phases a backfill can trigger (phase 2 is started by the scrapers, not by a trigger). */
    firstPhase: 3,
    lastPhase: 6,
    defaultFromPhase: 3,
    /** Past seasons are loaded without predictions unless the operator asks for them. */
    defaultThroughPhase: 4,
    /** Longest range one backfill takes: a season and then some; longer loads are split by season. */
    maxDates: 366,
    defaultMaxActive: 4,
    maxActive: 50,
    /**
     * How often the run history of the dates waiting on their processors is read: soon after a
     * step, then less often (doubling) up to `pollEvery`.
     */
    firstPollAfter: seconds(1),
    pollEvery: seconds(30),
    /** A date whose completions have not arrived this long after its trigger is given up and listed as failed. */
    dateGivesUpAfter: hours(12),
    /** Continue-as-new once the backfill's history is this long, carrying where it was. */
    continueAsNewAfterEvents: 2000,
  },

  /** What the operators' views (`pipeline days`, `pipeline watch`) call stuck, and how often they redraw. */
  operations: {
    /** An open date whose last trigger (or opening) is older than this, and not complete, is stuck. */
    stuckAfter: hours(6),
    watchRefreshEvery: seconds(2),
  },

  /**
   * By when each phase should be complete for a game date: `daysAfter` the date, at `at` in
   * `timeZone`. The results of D are due the morning after (the 08:00 ET health check pages a night
   * not complete); the slate of D on D's own morning. A date still waiting on a phase past its
   * deadline is reported by `pipeline health`, and so is a processor whose first completion came
   * after it (seed 003: gamebooks after 10 AM ET).
   */
  phaseDeadlines: {
    phase2: { daysAfter: 1, at: '07:00', timeZone: timeZones.eastern },
    phase3: { daysAfter: 1, at: '08:00', timeZone: timeZones.eastern },
    phase4: { daysAfter: 0, at: '08:30', timeZone: timeZones.eastern },
    phase5: { daysAfter: 0, at: '10:00', timeZone: timeZones.eastern },
    phase6: { daysAfter: 0, at: '11:00', timeZone: timeZones.eastern },
  } satisfies Record<PhaseKey, PhaseDeadline>,

  /** What `pipeline health` and `pipeline reconcile` look at. */
  watch: {
    /** Dates that closed as expired this recently are reported. */
    expiredWithin: days(3),
    deadLettersWithin: hours(24),
    /** Seed 003: more dead letters than this within the window is a burst (the bridge alerts at once). */
    deadLetterBurst: { moreThan: 5, within: minutes(5) },
    /** The bridge alerts when Temporal has been unreachable for longer than this. */
    temporalUnreachableAfter: minutes(1),
    /** Alerts about no particular game date (bursts, outages) are dated with this zone's calendar date. */
    alertTimeZone: timeZones.eastern,
    /** Late processors and duplicate rows are looked for over this many past days. */
    lookbackDays: 7,
    /** Seed 003's duplicate check, one per table: rows sharing these keys are duplicates. */
    duplicateRowChecks: [
      { table: 'nba_analytics.player_game_summary', dateColumn: 'game_date', keys: ['player_lookup', 'game_id'] },
      { table: 'nba_precompute.ml_feature_store_v2', dateColumn: 'game_date', keys: ['player_lookup'] },
    ] satisfies DuplicateRowCheck[],
    /** The daily reconcile looks back this many game dates and hands the missing completions over. */
    reconcileDays: 3,
  },
} as const;

export interface PhaseDeadline {
  daysAfter: number;
  /** hh:mm */
  at: string;
  timeZone: string;
}

export interface DuplicateRowCheck {
  table: string;
  dateColumn: string;
  /** Besides the date column. */
  keys: string[];
}

/** Topics the bridge consumes: every phase with completions to collect, and where processors announce theirs. */
export const completionTopics: readonly string[] = phases.flatMap((p) => [
  ...(p.completionTopic ? [p.completionTopic] : []),
  ...(p.announcedOn ?? []).map((a) => a.topic),
]);

/** Topics the bridge consumes: the completions, and the export triggers people publish (seed 002). */
export const bridgeTopics: readonly string[] = [...completionTopics, pipeline.topics.phase6ExportTrigger];

export const allTopics: readonly string[] = [...completionTopics, ...Object.values(pipeline.topics)];

export function phaseDefinition(key: PhaseKey): PhaseDefinition {
  const phase = phases.find((p) => p.key === key);
  if (!phase) throw new Error(`no phase ${key} in the pipeline definition`);
  return phase;
}

export function phaseForTopic(topic: string): PhaseDefinition | undefined {
  return phases.find((p) => p.completionTopic === topic || p.announcedOn?.some((a) => a.topic === topic));
}

/** The one processor whose completions `topic` carries, when a processor announces itself there. */
export function announcerOn(topic: string): string | undefined {
  return phases.flatMap((p) => p.announcedOn ?? []).find((a) => a.topic === topic)?.processor;
}
