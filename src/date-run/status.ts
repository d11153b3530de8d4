// The status object operators see (`pipeline status <date> --json`), derived from workflow state.
import * as wf from '@temporalio/workflow';
import { phaseDefinition, pipeline, type PhaseKey } from '../pipeline/definition';
import { eventDrivenExport } from '../pipeline/exports';
import type { Lease, LeaseTable } from '../leases/table';
import { phaseProgress, type Received } from './progress';
import type { ResultsHandedOver, StepFired } from './signals';

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

/** The results of the date (phases 2, 3): where they went once complete. */
export interface ResultsStatus {
  game_date: string;
  correlation_id: string | null;
  /** The slate the results were handed over to (the next game date), once complete. */
  handed_over_to: string | null;
  handed_over_at: string | null;
  /** `schedule`: the next game date on the schedule; `next-day`: the schedule did not say. */
  next_by: 'schedule' | 'next-day' | null;
}

/** The slate of the date (phases 4, 5, 6): the results it started from. */
export interface SlateStatus {
  game_date: string;
  correlation_id: string | null;
  /** The game date whose results were handed over to this slate; null until they are. */
  results_of: string | null;
  source: string | null;
  handed_over_at: string | null;
}

export interface GameDayStatus {
  game_date: string;
  /** The correlation id of the date's results (the slate's is under `slate`). */
  correlation_id: string | null;
  backfill: boolean;
  results?: ResultsStatus;
  slate?: SlateStatus;
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
  slateCorrelationId?: string;
  handedOver?: { to: string; at: string; nextBy: 'schedule' | 'next-day' };
  slateInput?: ResultsHandedOver;
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
    results: {
      game_date: source.gameDate,
      correlation_id: source.correlationId ?? null,
      handed_over_to: source.handedOver?.to ?? null,
      handed_over_at: source.handedOver?.at ?? source.triggers.handover?.firedAt ?? null,
      next_by: source.handedOver?.nextBy ?? null,
    },
    slate: {
      game_date: source.gameDate,
      correlation_id: source.slateCorrelationId ?? source.slateInput?.correlationId ?? null,
      results_of: source.slateInput?.resultsOf ?? null,
      source: source.slateInput?.source ?? null,
      handed_over_at: source.slateInput?.handedOverAt ?? null,
    },
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

/**
 * The first phase whose hand-off has not happened yet, in the order of the date's two mornings:
 * its slate (phase 4 → 5 → 6, on the date's morning), then its results (phase 2 → 3, the night
 * after). A date whose results arrive before its slate started (a past date, or a slate never handed
 * anything) waits on its results first.
 */
export function waitingOnOf(source: StatusSource): string {
  if (source.closed) return source.closed === 'completed' ? 'closed' : source.closed;
  if (source.noGames) return 'no_games';
  const pending = (key: PhaseKey) => {
    const trigger = phaseDefinition(key).trigger;
    return trigger !== undefined && !source.triggers[trigger];
  };
  const slateStarted = !!source.slateInput || !!source.triggers['phase4/1'] || !!source.triggers.phase5;
  const resultsArrived = pipeline.day.resultsPhases.some((key) => Object.keys(source.received[key] ?? {}).length > 0);
  const results = pipeline.day.resultsPhases.find(pending);
  if (!slateStarted && resultsArrived && results) return results;
  const slate = (['phase4', 'phase5'] as const).find(pending);
  if (slate) return slate;
  if (!source.exports && !source.backfill) return 'phase6';
  return results ?? 'complete';
}

/** The status of a date no workflow has seen. */
export function notStartedStatus(gameDate: string): GameDayStatus {
  const {
    waiting_on: _w,
    triggers: _t,
    rejected_predictions: _r,
    leases: _l,
    results: _results,
    slate: _slate,
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

/** The date's status, as operators see it (`pipeline status`). */
export const statusQuery = wf.defineQuery<GameDayStatus>('status');
