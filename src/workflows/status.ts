// The status object operators see (`pipeline status <date> --json`), derived from workflow state.
import { pipeline, type PhaseKey } from '../pipeline/definition';
import { phaseProgress, type Received } from './progress';

export type PhaseStatusName = 'not_started' | 'in_progress' | 'triggered' | 'skipped';

export interface FiredTrigger {
  triggerId: string;
  firedAt: string;
  /** Backfill: the step was reached but nothing was published. */
  skipped: boolean;
}

export interface PhaseStatus {
  status: PhaseStatusName;
  completed_count: number;
  expected_count: number;
  completed_processors: string[];
  missing_processors: string[];
  failed_processors: string[];
  triggered_at: string | null;
}

export interface GameDayStatus {
  game_date: string;
  correlation_id: string | null;
  backfill: boolean;
  /** Where the run stands: the phase it waits on, or `closed`. Absent for a date never seen. */
  waiting_on?: string;
  phases: Record<PhaseKey, PhaseStatus>;
}

export interface StatusSource {
  gameDate: string;
  correlationId?: string;
  backfill: boolean;
  received: Received;
  triggers: Record<string, FiredTrigger>;
  waitingOn: string;
}

export function statusOf(source: StatusSource): GameDayStatus {
  const phases = {} as Record<PhaseKey, PhaseStatus>;
  for (const phase of pipeline.phases) {
    const progress = phaseProgress(phase.key, source.received);
    const trigger = phase.trigger ? source.triggers[phase.trigger] : undefined;
    const anyReceived = Object.keys(source.received[phase.key] ?? {}).length > 0;
    phases[phase.key] = {
      status: trigger ? (trigger.skipped ? 'skipped' : 'triggered') : anyReceived ? 'in_progress' : 'not_started',
      completed_count: progress.completed.length,
      expected_count: progress.expected.length,
      completed_processors: progress.completed,
      missing_processors: progress.missing,
      failed_processors: progress.failed,
      triggered_at: trigger?.firedAt ?? null,
    };
  }
  return {
    game_date: source.gameDate,
    correlation_id: source.correlationId ?? null,
    backfill: source.backfill,
    waiting_on: source.waitingOn,
    phases,
  };
}

/** The status of a date no workflow has seen. */
export function notStartedStatus(gameDate: string): GameDayStatus {
  const { waiting_on: _unused, ...status } = statusOf({
    gameDate,
    backfill: false,
    received: {},
    triggers: {},
    waitingOn: '',
  });
  return status;
}
