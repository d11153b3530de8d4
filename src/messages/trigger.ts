// Trigger messages the orchestrator publishes: the platform's output formats plus `trigger_id` and
// `phase`. One pure builder per phase, used by the live run, the cascade, phase 5, the backfill and
// the operators' commands alike (so no Node imports here).
import { pipeline } from '../pipeline/definition';
import { eventDrivenExport } from '../pipeline/exports';

export interface TriggerBase {
  game_date: string;
  correlation_id: string | null;
  trigger_source: 'orchestrator' | 'backup' | 'scheduler' | 'manual' | 'rerun' | 'backfill' | 'reconcile';
  triggered_by: string;
  upstream_processors_count: number;
  timestamp: string;
  trigger_id: string;
  phase: string;
  /** Set on a backfill's triggers (docs/operations.md): processors run in backfill mode and pass the flag on. */
  skip_downstream_trigger?: boolean;
  backfill_mode?: boolean;
  backfill_reason?: string;
}

export interface Phase3Trigger extends TriggerBase {
  phase: 'phase3';
}

export interface Phase4LevelTrigger extends TriggerBase {
  phase: 'phase4';
  level: number;
  processors: string[];
  /** The game date whose results were handed over to this slate (`game_date`). */
  results_of?: string | null;
}

/** Starts predictions: after phase 4 level 3, or at the backup deadline. */
export interface Phase5Start extends TriggerBase {
  phase: 'phase5';
  players_ready: number | null;
  players_total: number | null;
}

/** Asks phase 5 again for the players still missing a prediction. */
export interface Phase5Retry extends TriggerBase {
  phase: 'phase5';
  attempt: number;
  players: string[];
}

/**
 * The phase 6 export trigger as the 5→6 gate publishes it on `nba-phase6-export-trigger`: the
 * exporter's daily trigger plus the orchestrator's fields. What the exporter reads from it is
 * `ExportTrigger` in `export-message.ts`.
 */
export interface Phase6Trigger extends TriggerBase {
  phase: 'phase6';
  export_types: string[];
  target_date: string;
  update_latest: boolean;
  upstream_batch_id: string | null;
  upstream_predictions: number | null;
}

export type Trigger = Phase3Trigger | Phase4LevelTrigger | Phase5Start | Phase5Retry | Phase6Trigger;

/** A trigger on its way to a topic; `trigger_id` also travels as a message attribute. */
export interface TriggerRequest {
  topic: string;
  message: Trigger;
}

/** A trigger before it is stamped with its id and time. */
export type Unstamped<T> = T extends unknown ? Omit<T, 'trigger_id' | 'timestamp'> : never;

/** Who sends a trigger for which date and chain: what every phase's trigger starts from. */
export type TriggerOrigin = Pick<
  TriggerBase,
  | 'game_date'
  | 'correlation_id'
  | 'trigger_source'
  | 'upstream_processors_count'
  | 'skip_downstream_trigger'
  | 'backfill_mode'
  | 'backfill_reason'
>;

export const phase3Trigger = (origin: TriggerOrigin): Unstamped<Phase3Trigger> => ({
  ...origin,
  triggered_by: pipeline.triggeredBy.phase3,
  phase: 'phase3',
});

export const phase4LevelTrigger = (
  origin: TriggerOrigin,
  level: { level: number; processors: readonly string[] },
  resultsOf: string | null | undefined,
): Unstamped<Phase4LevelTrigger> => ({
  ...origin,
  triggered_by: pipeline.triggeredBy.phase4,
  phase: 'phase4',
  level: level.level,
  processors: [...level.processors],
  ...(resultsOf === undefined ? {} : { results_of: resultsOf }),
});

export const phase5StartTrigger = (
  origin: TriggerOrigin,
  players: { ready: number | null; total: number | null },
): Unstamped<Phase5Start> => ({
  ...origin,
  triggered_by: origin.trigger_source === 'backup' ? pipeline.triggeredBy.phase5Backup : pipeline.triggeredBy.phase5,
  phase: 'phase5',
  players_ready: players.ready,
  players_total: players.total,
});

export const phase5RetryTrigger = (
  origin: TriggerOrigin,
  attempt: number,
  players: string[],
): Unstamped<Phase5Retry> => ({
  ...origin,
  triggered_by: pipeline.triggeredBy.phase5Retry,
  phase: 'phase5',
  attempt,
  players,
});

/** Phase 6: tonight's exports of `target_date`, with the prediction batch that passed the gate. */
export const phase6Trigger = (
  origin: TriggerOrigin,
  exports: Pick<Phase6Trigger, 'target_date' | 'update_latest' | 'upstream_batch_id' | 'upstream_predictions'>,
): Unstamped<Phase6Trigger> => ({
  ...origin,
  triggered_by: pipeline.triggeredBy.phase6,
  phase: 'phase6',
  export_types: [...eventDrivenExport.exportTypes],
  ...exports,
});
