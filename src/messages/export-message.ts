// Phase 6 messages as types and pure builders: the export trigger (the phase 6 exporter's two forms plus our
// `trigger_id` and `phase`) and the export-complete report. No zod and no Node imports here, so
// workflows can import it; the wire schemas tests check against live in test/helpers/export-parsers.ts.
import { defaultMinGames, type ExportType } from '../pipeline/exports';
import type { TargetDate } from '../time';

export const exportTriggerSources = ['orchestrator', 'scheduler', 'backup', 'manual', 'rerun', 'backfill'] as const;
export type ExportTriggerSource = (typeof exportTriggerSources)[number];

/** Tracing every form may carry; scheduler-published messages often carry none of it. */
export interface ExportTriggerTracing {
  trigger_source?: ExportTriggerSource;
  triggered_by?: string | null;
  correlation_id?: string | null;
  timestamp?: string | null;
  /** Stable per requested export; consumers dedupe on it. */
  trigger_id?: string | null;
  phase?: 'phase6';
}

/** The exporter's daily / tonight form. */
export interface DailyExportTrigger extends ExportTriggerTracing {
  export_types: ExportType[];
  target_date: TargetDate;
  update_latest: boolean;
  upstream_batch_id?: string | null;
  upstream_predictions?: number | null;
}

/** The exporter's player-profiles form: `{ players: true, min_games }`. */
export interface PlayerProfilesTrigger extends ExportTriggerTracing {
  players: true;
  min_games: number;
  /** Ours: the as-of date of the snapshot copy; absent means today. */
  target_date?: TargetDate;
}

/** What the phase 6 exporter accepts, either form (the gate's published message is `Phase6Trigger`). */
export type ExportTrigger = DailyExportTrigger | PlayerProfilesTrigger;

/** What an export run does, whichever form asked for it. */
export interface ExportRequest {
  exportTypes: ExportType[];
  targetDate: TargetDate;
  updateLatest: boolean;
  minGames?: number;
}

export function exportRequestOf(trigger: ExportTrigger): ExportRequest {
  if ('players' in trigger) {
    return {
      exportTypes: ['player-profiles'],
      targetDate: trigger.target_date ?? 'today',
      updateLatest: true,
      minGames: trigger.min_games ?? defaultMinGames,
    };
  }
  return {
    // A type listed twice would be written twice and counted twice.
    exportTypes: [...new Set(trigger.export_types)],
    targetDate: trigger.target_date,
    updateLatest: trigger.update_latest,
  };
}

export type ExportStatus = 'success' | 'partial' | 'failed';

export interface ExportFailure {
  export_type: ExportType;
  error: string;
}

/** Published once per export run on nba-phase6-export-complete. */
export interface ExportComplete {
  trigger_id: string;
  correlation_id: string | null;
  /** The export run that did the work (`export-<date>-<set>` for the pipeline's own runs). */
  workflow_id: string;
  target_date: string;
  status: ExportStatus;
  export_types: ExportType[];
  succeeded: ExportType[];
  failed: ExportFailure[];
  paths: string[];
  row_counts: Partial<Record<ExportType, number>>;
  trigger_source: ExportTriggerSource;
  triggered_by: string | null;
  timestamp: string;
  phase: 'phase6';
}

export function exportStatus(succeeded: number, failed: number): ExportStatus {
  if (failed === 0) return 'success';
  return succeeded === 0 ? 'failed' : 'partial';
}

/** Attributes that travel with the export-complete message, for filtering without parsing. */
export function exportCompleteAttributes(message: ExportComplete): Record<string, string> {
  return {
    trigger_id: message.trigger_id,
    phase: message.phase,
    target_date: message.target_date,
    status: message.status,
  };
}
