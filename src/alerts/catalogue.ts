// Every kind of alert the product raises: how loud it is, who raises it, how its id is formed, what it
// means and what the operator does. The table in docs/operations.md is generated from it
// (`npm run docs`). Pure module: workflows import its types.
import type { Alert, Severity } from './alert';

/** Who raises an alert kind. */
export const alertSources = {
  health: 'the daily health check (`healthWorkflow`)',
  reconcile: 'the daily reconcile (`reconcileWorkflow`)',
  gameDay: "the date's run (`gameDayWorkflow`)",
  phase5: 'phase 5 (`phase5Workflow`), at its SLA check',
  export: 'each export run (`exportWorkflow`)',
  bursts: 'the `dead-letter-bursts` workflow',
  bridge: 'the bridge, delivering itself',
} as const;

export type AlertSource = keyof typeof alertSources;

/** How an alert's id (its workflow id, and PagerDuty's dedup key) is formed: one alert per id. */
export const alertIdRules = {
  date: 'alert-<kind>-<game date>',
  checkDate: 'alert-<kind>-<game date, or the check’s New York date>',
  today: 'alert-<kind>-<today in New York>',
  exportRun: 'alert-<kind>-<target date>-<export workflow id>',
  burst: 'alert-<kind>-<New York date the burst began>-T<start, HHMMSS UTC>Z',
} as const;

export type AlertIdRule = keyof typeof alertIdRules;

export interface AlertKindEntry {
  severity: Severity;
  /** A severity the kind is raised at instead, and when. */
  otherwise?: { severity: Severity; when: string };
  sources: readonly AlertSource[];
  id: AlertIdRule;
  /** A problem `pipeline health` reports (and the daily health check alerts on). */
  healthProblem?: true;
  meaning: string;
  action: string;
}

export const alertCatalogue = {
  'date-stuck': {
    severity: 'critical',
    sources: ['health'],
    id: 'checkDate',
    healthProblem: true,
    meaning: 'an open run waits on a phase past that phase’s deadline (`20/21, missing …`)',
    action:
      'find the missing processor; `pipeline reconcile --days 3 --fix` if its completion was lost, else `pipeline complete` or `pipeline trigger`',
  },
  'date-expired': {
    severity: 'critical',
    sources: ['gameDay', 'health'],
    id: 'checkDate',
    healthProblem: true,
    meaning: 'a run closed as `expired` without completing (the same id from both sources: one page)',
    action: 'see what it waited on (`pipeline status <date>`), then `pipeline rerun <date> --from-phase …`',
  },
  'date-failed': {
    severity: 'critical',
    sources: ['health'],
    id: 'checkDate',
    healthProblem: true,
    meaning: 'a run ended failed, terminated or timed out, or closed without its `game_day_runs` row (recorded now)',
    action: 'read the run in the Web UI; `pipeline rerun <date>` once the cause is fixed',
  },
  'dead-letters': {
    severity: 'warning',
    sources: ['health'],
    id: 'checkDate',
    healthProblem: true,
    meaning: 'dead letters in the last 24 h, counted by reason',
    action: '`pipeline dead-letters --since 24h`; fix the sender, then `pipeline dead-letters replay`',
  },
  'dead-letter-burst': {
    severity: 'critical',
    sources: ['health', 'bursts', 'bridge'],
    id: 'burst',
    healthProblem: true,
    meaning:
      'more than 5 dead letters within 5 minutes (not all `late`); the health check’s own has no start time in its id',
    action: 'read the reasons in the details and on the review subscription; a `rejected:` burst is usually a deploy',
  },
  'dead-letter-burst-late': {
    severity: 'warning',
    sources: ['bursts', 'bridge'],
    id: 'burst',
    meaning: 'a burst of dead letters that are all `late`: messages for dates whose run has closed',
    action: 'find who resends old completions; nothing is lost (the dates had closed)',
  },
  'late-processor': {
    severity: 'warning',
    sources: ['health'],
    id: 'checkDate',
    healthProblem: true,
    meaning: 'a processor’s first completion for a date came after its phase’s deadline',
    action: 'tell the processor’s owners; nothing to do in the pipeline',
  },
  'duplicate-rows': {
    severity: 'warning',
    sources: ['health'],
    id: 'checkDate',
    healthProblem: true,
    meaning: 'rows sharing their keys in a table of `pipeline.watch.duplicateRowChecks`',
    action: 'clean the table; check that the processor took its lease',
  },
  'schedule-missing': {
    severity: 'warning',
    sources: ['health'],
    id: 'checkDate',
    healthProblem: true,
    meaning: 'a Temporal Schedule was never applied',
    action: '`pipeline schedules --apply`',
  },
  'schedule-paused': {
    severity: 'warning',
    sources: ['health'],
    id: 'checkDate',
    healthProblem: true,
    meaning: 'a Temporal Schedule is paused',
    action: 'unpause it in the Web UI once it is meant to run again',
  },
  'schedule-failing': {
    severity: 'warning',
    sources: ['health'],
    id: 'checkDate',
    healthProblem: true,
    meaning: 'a Temporal Schedule’s last run failed',
    action: 'read that run in the Web UI',
  },
  'no-workers': {
    severity: 'critical',
    sources: ['health'],
    id: 'checkDate',
    healthProblem: true,
    meaning: 'nobody polls the task queue for workflow or activity tasks',
    action: 'start the workers; nothing is lost meanwhile, nothing moves either',
  },
  'no-current-build': {
    severity: 'critical',
    sources: ['health'],
    id: 'checkDate',
    healthProblem: true,
    meaning: 'versioned workers poll but the deployment has no current build: new runs wait',
    action: '`pipeline deploy promote <build>`',
  },
  'idle-build': {
    severity: 'warning',
    sources: ['health'],
    id: 'checkDate',
    healthProblem: true,
    meaning: 'a build polls but is neither current nor ramping, and no run is on it',
    action: '`pipeline deploy ramp|promote <build>`, or stop its workers',
  },
  'check-failed': {
    severity: 'warning',
    sources: ['health'],
    id: 'checkDate',
    healthProblem: true,
    meaning: 'a source the health check reads did not answer (the other checks still ran)',
    action: 'look at that source (Temporal, BigQuery, Pub/Sub); the next check tries again',
  },
  'daily-summary': {
    severity: 'info',
    sources: ['health'],
    id: 'today',
    meaning: 'the health check’s verdict: `Pipeline healthy`, or how many problems of which kinds',
    action: 'none; the problems have their own alerts',
  },
  'lost-completions': {
    severity: 'warning',
    sources: ['reconcile'],
    id: 'date',
    meaning: 'processors ran but their completions never reached the run; handed over now',
    action: 'none when all were handed over; else `pipeline reconcile --days 3 --fix`',
  },
  sla: {
    severity: 'critical',
    sources: ['phase5'],
    id: 'date',
    meaning: 'predictions cover fewer players than the SLA (90 %) at 07:00 PT, or coverage could not be read',
    action: 'look at the prediction coordinator; `pipeline trigger phase5` runs it again',
  },
  'phase5-restarted': {
    severity: 'critical',
    sources: ['gameDay'],
    id: 'date',
    meaning: 'phase 5 failed and the date’s run started it again where it was',
    action: 'read the failure in the Web UI; the run tries up to 3 times',
  },
  'phase5-gave-up': {
    severity: 'critical',
    sources: ['gameDay'],
    id: 'date',
    meaning: 'phase 5 failed more times than it is restarted: predictions need an operator',
    action: 'fix the cause, then `pipeline trigger phase5 --date <date>`',
  },
  'phase-partial': {
    severity: 'warning',
    sources: ['gameDay'],
    id: 'date',
    meaning: 'a processor reported `partial` (once per date, whichever phase)',
    action: 'check the processor’s run; it counted, so the day goes on',
  },
  'run-history-failing': {
    severity: 'warning',
    sources: ['gameDay'],
    id: 'date',
    meaning: 'the run history could not be written for 2 minutes; the run goes on, its events wait',
    action: 'look at BigQuery (`nba_orchestration.game_day_events`); the run writes again a minute later',
  },
  'run-close-unrecorded': {
    severity: 'critical',
    sources: ['gameDay'],
    id: 'date',
    meaning: 'a run closed but its row in `game_day_runs` could not be written',
    action: 'fix BigQuery; `pipeline health` records the close (`date-failed`)',
  },
  'carried-state-large': {
    severity: 'warning',
    otherwise: { severity: 'critical', when: 'still over 512 KiB after trimming' },
    sources: ['gameDay'],
    id: 'date',
    meaning: 'the state the run carries across continue-as-new reached 512 KiB; unwritten events were trimmed',
    action: 'look for a duplicate storm or a run history that is not written',
  },
  'export-failed': {
    severity: 'critical',
    sources: ['export'],
    id: 'exportRun',
    meaning: 'every export type of an export run failed: the website shows stale files',
    action: '`pipeline export --date <date> --force` once the cause is fixed',
  },
  'export-partial': {
    severity: 'warning',
    sources: ['export'],
    id: 'exportRun',
    meaning: 'some export types of an export run failed',
    action: '`pipeline export --date <date> --types <failed> --force`',
  },
  'temporal-unreachable': {
    severity: 'critical',
    sources: ['bridge'],
    id: 'today',
    meaning:
      'the bridge has not reached Temporal for more than a minute; completions wait in Pub/Sub (resolved when back)',
    action: 'look at Temporal and the bridge’s namespace and credentials; nothing is lost',
  },
} as const satisfies Record<string, AlertKindEntry>;

export type AlertKind = keyof typeof alertCatalogue;

/** The kinds `pipeline health` reports as problems. */
export type HealthProblemKind = {
  [K in AlertKind]: (typeof alertCatalogue)[K] extends { healthProblem: true } ? K : never;
}[AlertKind];

/** An alert of a kind in the catalogue, at the catalogue's severity. */
export type CataloguedAlert = Alert & { kind: AlertKind };
