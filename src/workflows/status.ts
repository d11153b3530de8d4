// The status object operators see (`pipeline status <date> --json`), derived from workflow state.
import { phaseDefinition, pipeline, type PhaseKey } from '../pipeline/definition';
import { eventDrivenExport } from '../pipeline/exports';
import type { Lease, LeaseTable } from '../leases/table';
import { phaseProgress, type Received } from './progress';
import type { StepFired } from './signals';

export type PhaseStatusName = 'not_started' | 'in_progress' | 'triggered' | 'skipped';

export interface PhaseStatus {
  status: PhaseStatusName;
  completed_count: number;
  expected_count: number;
  completed_processors: string[];
  missing_processors: string[];
  failed_processors: string[];
  triggered_at: string | null;
}

export interface ExportOutcome {
  succeeded: string[];
  failed: string[];
}

export interface GameDayStatus {
  game_date: string;
  correlation_id: string | null;
  backfill: boolean;
  /** The phase the date waits on, `complete`, `closed`, `expired` or `late` (it had closed before). Absent for a date never seen. */
  waiting_on?: string;
  phases: Record<PhaseKey, PhaseStatus>;
  /** Every trigger that went out for the date (or was skipped in backfill), by key. */
  triggers?: Record<string, StepFired>;
  /** Prediction completions the 5→6 gate turned away, with why. */
  rejected_predictions?: string[];
  /** Processing leases held now: which run of which processor works on the date. */
  leases?: Lease[];
}

export interface StatusSource {
  gameDate: string;
  correlationId?: string;
  backfill: boolean;
  received: Received;
  triggers: Record<string, StepFired>;
  exports?: ExportOutcome;
  rejectedPredictions: string[];
  closed?: 'completed' | 'expired' | 'late' | 'no_games';
  /** Set when the schedule says the date has no games: it waits for nothing more. */
  noGames?: unknown;
  leases?: LeaseTable;
}

export function statusOf(source: StatusSource): GameDayStatus {
  const phases = {} as Record<PhaseKey, PhaseStatus>;
  for (const phase of pipeline.phases) {
    phases[phase.key] = phase.key === 'phase6' ? exportStatus(source) : collectedStatus(phase.key, source);
  }
  return {
    game_date: source.gameDate,
    correlation_id: source.correlationId ?? null,
    backfill: source.backfill,
    waiting_on: waitingOnOf(source),
    phases,
    triggers: source.triggers,
    rejected_predictions: source.rejectedPredictions,
    // The run ends each lease at its TTL, so what an open run holds is what is held.
    leases: source.closed ? [] : Object.values(source.leases?.held ?? {}),
  };
}

function collectedStatus(key: PhaseKey, source: StatusSource): PhaseStatus {
  const phase = phaseDefinition(key);
  const progress = phaseProgress(key, source.received);
  const trigger = phase.trigger ? source.triggers[phase.trigger] : undefined;
  const anyReceived = Object.keys(source.received[key] ?? {}).length > 0;
  return {
    status: trigger ? (trigger.skipped ? 'skipped' : 'triggered') : anyReceived ? 'in_progress' : 'not_started',
    completed_count: progress.completed.length,
    expected_count: progress.expected.length,
    completed_processors: progress.completed,
    missing_processors: progress.missing,
    failed_processors: progress.failed,
    triggered_at: trigger?.firedAt ?? null,
  };
}

/** Phase 6 counts export types: expected are the event-driven ones, completed the ones written. */
function exportStatus(source: StatusSource): PhaseStatus {
  const expected: string[] = [...eventDrivenExport.exportTypes];
  const trigger = source.triggers.phase6;
  const done = source.exports;
  const completed = done?.succeeded ?? [];
  return {
    status: trigger?.skipped ? 'skipped' : done ? 'triggered' : trigger ? 'in_progress' : 'not_started',
    completed_count: completed.length,
    expected_count: expected.length,
    completed_processors: completed,
    missing_processors: expected.filter((t) => !completed.includes(t)),
    failed_processors: done?.failed ?? [],
    triggered_at: trigger?.firedAt ?? null,
  };
}

/** The first phase whose hand-off has not happened yet. */
export function waitingOnOf(source: StatusSource): string {
  if (source.closed) return source.closed === 'completed' ? 'closed' : source.closed;
  if (source.noGames) return 'no_games';
  for (const phase of pipeline.phases) {
    if (phase.trigger && !source.triggers[phase.trigger]) return phase.key;
  }
  return source.exports || source.backfill ? 'complete' : 'phase6';
}

/** The status of a date no workflow has seen. */
export function notStartedStatus(gameDate: string): GameDayStatus {
  const {
    waiting_on: _w,
    triggers: _t,
    rejected_predictions: _r,
    leases: _l,
    ...status
  } = statusOf({
    gameDate,
    backfill: false,
    received: {},
    triggers: {},
    rejectedPredictions: [],
  });
  return status;
}
