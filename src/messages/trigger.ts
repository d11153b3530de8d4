// Trigger messages the orchestrator publishes: the platform's output formats plus `trigger_id` and
// `phase`. Pure builders, used by the workflow (so no Node imports here).

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
