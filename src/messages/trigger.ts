// Trigger messages the orchestrator publishes: the seed's output formats plus `trigger_id` and
// `phase`. Pure builders, used by the workflow (so no Node imports here).

export interface TriggerBase {
  game_date: string;
  correlation_id: string | null;
  trigger_source: 'orchestrator' | 'backup' | 'scheduler' | 'manual';
  triggered_by: string;
  upstream_processors_count: number;
  timestamp: string;
  trigger_id: string;
  phase: string;
}

export interface Phase3Trigger extends TriggerBase {
  phase: 'phase3';
}

export interface Phase4LevelTrigger extends TriggerBase {
  phase: 'phase4';
  level: number;
  processors: string[];
}

export type Trigger = Phase3Trigger | Phase4LevelTrigger;

/** A trigger on its way to a topic; `trigger_id` also travels as a message attribute. */
export interface TriggerRequest {
  topic: string;
  message: Trigger;
}

/** Stable per date and step, so consumers can dedupe a republished trigger. */
export function triggerIdFor(workflowId: string, key: string): string {
  return `${workflowId}/${key}`;
}
