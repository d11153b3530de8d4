// What counts as a problem, given what the checks read. Pure, so each rule is tested on its own.
import type { alertCatalogue, HealthProblemKind } from '../alerts/catalogue';
import type { ExpiredRun } from './queries';
import { addDays } from '../time';
import { pipeline, type PhaseKey } from '../pipeline/definition';
import { zonedInstant } from '../time';

/** The problems `pipeline health` reports: the catalogue's health problems (docs/operations.md). */
export type ProblemKind = HealthProblemKind;

export interface HealthProblem {
  kind: ProblemKind;
  game_date?: string;
  detail: string;
}

export interface HealthReport {
  healthy: boolean;
  checked_at: string;
  problems: HealthProblem[];
}

/** How loud each problem is when the daily check alerts on it: the catalogue's severities. */
export const problemSeverity: { [K in ProblemKind]: (typeof alertCatalogue)[K]['severity'] } = {
  'date-stuck': 'critical',
  'date-expired': 'critical',
  'date-failed': 'critical',
  'dead-letters': 'warning',
  'dead-letter-burst': 'critical',
  'late-processor': 'warning',
  'duplicate-rows': 'warning',
  'schedule-missing': 'warning',
  'schedule-paused': 'warning',
  'schedule-failing': 'warning',
  'no-workers': 'critical',
  'no-current-build': 'critical',
  'idle-build': 'warning',
  'check-failed': 'warning',
};

const phaseKeys = pipeline.phases.map((p) => p.key);

/** The instant a phase of a date should be complete by. */
export function phaseDeadlineOf(phase: PhaseKey, gameDate: string): number {
  const deadline = pipeline.phaseDeadlines[phase];
  return zonedInstant(addDays(gameDate, deadline.daysAfter), deadline.at, deadline.timeZone);
}

function deadlineText(phase: PhaseKey, gameDate: string): string {
  const d = pipeline.phaseDeadlines[phase];
  return `${addDays(gameDate, d.daysAfter)} ${d.at} ${d.timeZone}`;
}

/** How far one phase of an open run has come: its part of the run's status query. */
export interface PhaseProgress {
  status: string;
  completed_count: number;
  expected_count: number;
  missing_processors: string[];
}

/**
 * A date whose run closed without completing. A backfilled date is left out: the backfill reports
 * its own failures, and a past date pages nobody.
 */
export function expiredDate(run: ExpiredRun): HealthProblem | undefined {
  if (run.backfill) return undefined;
  return { kind: 'date-expired', game_date: run.gameDate, detail: `closed at ${run.closedAt} without completing` };
}

export interface OpenRun {
  gameDate: string;
  /** A backfill drives the date through the phases it chose: it waits on nothing by deadline. */
  backfill?: boolean;
  /** The run's PipelinePhase search attribute: what it waits on when its status did not answer. */
  waitingOn?: string;
  /** The run's own count, per phase (its status query). */
  phases?: Partial<Record<PhaseKey, PhaseProgress>>;
  /** The run's `waiting_on`: `no_games`, `closed`, … say it waits for nothing. */
  waitingOnNow?: string;
}

/** Open runs in these states wait on no deadline. */
const waitingOnNothing = ['no_games', 'complete', 'closed', 'expired', 'late'];

/** A phase is done when its trigger went out (or was skipped), or when every processor reported. */
function phaseDone(progress: PhaseProgress): boolean {
  if (progress.status === 'triggered' || progress.status === 'skipped') return true;
  return progress.expected_count > 0 && progress.completed_count >= progress.expected_count;
}

/**
 * The phases of the run whose deadline has come while they are not done: per half of the date's
 * work, its results (phases 2–3) and then its slate (phases 4–6), the first phase not done. A
 * deadline counts from its very minute, so the 08:00 check sees a night due at 08:00.
 */
export function overduePhases(run: OpenRun, now: number): PhaseKey[] {
  if (run.backfill) return [];
  if (run.waitingOnNow && waitingOnNothing.includes(run.waitingOnNow)) return [];
  const due = (phase: PhaseKey) => now >= phaseDeadlineOf(phase, run.gameDate);
  const { phases } = run;
  if (!phases) {
    const waiting = phaseKeys.find((k) => k === run.waitingOn);
    return waiting && due(waiting) ? [waiting] : [];
  }
  const halves: PhaseKey[][] = [
    ['phase2', 'phase3'],
    ['phase4', 'phase5', 'phase6'],
  ];
  return halves.flatMap((half) => half.find((k) => phases[k] && !phaseDone(phases[k])) ?? []).filter(due);
}

/** A run with phases past their deadline (one problem per date), with the run's own count of what arrived. */
export function stuckDate(run: OpenRun, now: number): HealthProblem | undefined {
  const overdue = overduePhases(run, now);
  if (overdue.length === 0) return undefined;
  const parts = overdue.map((phase) => {
    const progress = run.phases?.[phase];
    const count = progress
      ? ` (${progress.completed_count}/${progress.expected_count}` +
        (progress.missing_processors.length ? `, missing ${progress.missing_processors.join(', ')})` : ')')
      : '';
    return `${phase}${count} past its deadline ${deadlineText(phase, run.gameDate)}`;
  });
  return { kind: 'date-stuck', game_date: run.gameDate, detail: `waits on ${parts.join('; and on ')}` };
}

export interface FirstRun {
  processor: string;
  phase: string | null;
  dataDate: string;
  completedAt: string | null;
}

/** The phase a run-history row belongs to: its phase field (seed or our name), else its processor. */
export function phaseOfRun(run: { processor: string; phase: string | null }): PhaseKey | undefined {
  const byField = pipeline.phases.find((p) => p.seedName === run.phase || p.key === run.phase);
  if (byField) return byField.key;
  return pipeline.phases.find((p) =>
    p.processors.some((x) => x.name === run.processor || x.aliases?.includes(run.processor)),
  )?.key;
}

/** A processor whose first completion for a date came after its phase's deadline. */
export function lateProcessor(run: FirstRun): HealthProblem | undefined {
  const phase = phaseOfRun(run);
  if (!phase || !run.completedAt) return undefined;
  const completed = Date.parse(run.completedAt);
  const late = completed - phaseDeadlineOf(phase, run.dataDate);
  if (late <= 0) return undefined;
  return {
    kind: 'late-processor',
    game_date: run.dataDate,
    detail: `${run.processor} (${phase}) first completed ${new Date(completed).toISOString()}, ${Math.round(late / 60_000)} min after ${deadlineText(phase, run.dataDate)}`,
  };
}
