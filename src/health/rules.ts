// What counts as a problem, given what the checks read. Pure, so each rule is tested on its own.
import type { Severity } from '../alerts/alert';
import type { ExpiredRun } from '../bigquery/watch';
import { addDays } from '../messages/dates';
import { pipeline, type PhaseKey } from '../pipeline/definition';
import { zonedInstant } from '../pipeline/time';

export type ProblemKind =
  | 'date-stuck'
  | 'date-expired'
  | 'dead-letters'
  | 'dead-letter-burst'
  | 'late-processor'
  | 'duplicate-rows'
  | 'schedule-missing'
  | 'schedule-paused'
  | 'schedule-failing'
  | 'no-workers'
  | 'check-failed';

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

/** How loud each problem is when the daily check alerts on it (seed 004's severities). */
export const problemSeverity: Record<ProblemKind, Severity> = {
  'date-stuck': 'critical',
  'date-expired': 'critical',
  'dead-letters': 'warning',
  'dead-letter-burst': 'critical',
  'late-processor': 'warning',
  'duplicate-rows': 'warning',
  'schedule-missing': 'warning',
  'schedule-paused': 'warning',
  'schedule-failing': 'warning',
  'no-workers': 'critical',
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

export interface OpenRun {
  gameDate: string;
  /** The run's PipelinePhase: the phase it waits on. */
  waitingOn: string;
  /** e.g. `20/21`, when the run answered its status query. */
  progress?: string;
  missing?: string[];
}

/**
 * A date whose run closed without completing. A backfilled date is left out: the backfill reports
 * its own failures, and a past date pages nobody.
 */
export function expiredDate(run: ExpiredRun): HealthProblem | undefined {
  if (run.backfill) return undefined;
  return { kind: 'date-expired', game_date: run.gameDate, detail: `closed at ${run.closedAt} without completing` };
}

/** A run waiting on a phase past that phase's deadline. */
export function stuckDate(run: OpenRun, now: number): HealthProblem | undefined {
  const phase = phaseKeys.find((k) => k === run.waitingOn);
  if (!phase || now <= phaseDeadlineOf(phase, run.gameDate)) return undefined;
  const progress = run.progress
    ? ` (${run.progress}` + (run.missing?.length ? `, missing ${run.missing.join(', ')})` : ')')
    : '';
  return {
    kind: 'date-stuck',
    game_date: run.gameDate,
    detail: `waits on ${phase}${progress} past its deadline ${deadlineText(phase, run.gameDate)}`,
  };
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

export interface DeadLetterSeen {
  reason: string;
  receivedAt: number;
}

/** Dead letters of the window by reason (one problem), and a burst: more than N within minutes. */
export function deadLetterProblems(letters: DeadLetterSeen[], now: number): HealthProblem[] {
  const { deadLettersWithin, deadLetterBurst } = pipeline.watch;
  const recent = letters
    .filter((l) => l.receivedAt >= now - deadLettersWithin)
    .sort((a, b) => a.receivedAt - b.receivedAt);
  if (recent.length === 0) return [];
  const byReason = new Map<string, number>();
  for (const letter of recent) {
    const kind = letter.reason.split(':')[0] ?? letter.reason;
    byReason.set(kind, (byReason.get(kind) ?? 0) + 1);
  }
  const reasons = [...byReason].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${reason} ${n}`);
  const problems: HealthProblem[] = [
    {
      kind: 'dead-letters',
      detail: `${recent.length} dead letters in the last ${deadLettersWithin / 3_600_000} h: ${reasons.join(', ')}`,
    },
  ];
  let start = 0;
  for (let end = 0; end < recent.length; end += 1) {
    while (recent[end]!.receivedAt - recent[start]!.receivedAt > deadLetterBurst.within) start += 1;
    if (end - start + 1 > deadLetterBurst.moreThan) {
      problems.push({
        kind: 'dead-letter-burst',
        detail: `${end - start + 1} dead letters within ${deadLetterBurst.within / 60_000} min from ${new Date(recent[start]!.receivedAt).toISOString()}`,
      });
      break;
    }
  }
  return problems;
}
