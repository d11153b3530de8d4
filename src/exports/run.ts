// One export run as a state object, built from its trigger: what it exports, for which date (read
// from when the trigger fired) and whether today's files follow, and its steps: every export type
// run as its own activity, in parallel (one failing type does not stop the others), and the report
// of what happened.
import * as wf from '@temporalio/workflow';
import { exporting } from '../temporal/activity-options';
import type { ExportActivities, ExportWritten } from './activities';
import {
  exportRequestOf,
  exportStatus,
  type ExportComplete,
  type ExportFailure,
  type ExportRequest,
  type ExportTrigger,
} from '../messages/export-message';
import type { ExportType } from '../pipeline/exports';
import { relativeDateTimeZone, resolveTargetDate, updatesLatest } from '../time';
import { failureMessage } from '../temporal/failure';
import { scheduledOrStartTime } from '../temporal/scheduled-time';
import { findableBy } from '../temporal/search-attributes';
import { errorMessage } from '../platform/errors';

const { runExport } = wf.proxyActivities<ExportActivities>(exporting);

type Outcome = { exportType: ExportType; written: ExportWritten } | { exportType: ExportType; error: string };

export class TriggeredExport {
  private readonly workflowId = wf.workflowInfo().workflowId;
  private readonly request: ExportRequest;
  readonly targetDate: string;
  /** Today's files are written too (not only the dated ones). */
  private readonly updateLatest: boolean;

  constructor(private readonly trigger: ExportTrigger) {
    this.request = exportRequestOf(trigger);
    const firedAt = scheduledOrStartTime();
    this.targetDate = resolveOrReject(this.request.targetDate, firedAt);
    // An old day's export (a rerun, a backfill) writes its dated files only, never today's.
    this.updateLatest = this.request.updateLatest && updatesLatest(this.targetDate, firedAt);
  }

  /** The Web UI finds the run by its date, its phase and the trigger's correlation id. */
  showInWebUi(): void {
    findableBy(this.targetDate, this.trigger.correlation_id ?? null, 'phase6');
  }

  /** Every export type as its own activity, in parallel: what each wrote, or why it failed. */
  exportAll(): Promise<Outcome[]> {
    const { targetDate, updateLatest, request } = this;
    return Promise.all(
      request.exportTypes.map(async (exportType): Promise<Outcome> => {
        try {
          const written = await runExport({ exportType, targetDate, updateLatest, minGames: request.minGames });
          return { exportType, written };
        } catch (error) {
          return { exportType, error: failureMessage(error) };
        }
      }),
    );
  }

  /** The one report of the run: published on nba-phase6-export-complete and returned. */
  reportOf(outcomes: Outcome[]): ExportComplete {
    const { trigger, workflowId } = this;
    const written = outcomes.flatMap((o) => ('written' in o ? [o.written] : []));
    const failed = outcomes.flatMap((o): ExportFailure[] =>
      'error' in o ? [{ export_type: o.exportType, error: o.error }] : [],
    );
    return {
      trigger_id: trigger.trigger_id ?? workflowId,
      correlation_id: trigger.correlation_id ?? null,
      workflow_id: workflowId,
      target_date: this.targetDate,
      status: exportStatus(written.length, failed.length),
      export_types: this.request.exportTypes,
      succeeded: written.map((w) => w.exportType),
      failed,
      paths: written.flatMap((w) => w.paths),
      row_counts: Object.fromEntries(written.map((w) => [w.exportType, w.rowCount])),
      trigger_source: trigger.trigger_source ?? 'manual',
      triggered_by: trigger.triggered_by ?? null,
      timestamp: new Date().toISOString(),
      phase: 'phase6',
    };
  }
}

/** A target date that cannot be read fails the run at once: retrying cannot fix the trigger. */
export function resolveOrReject(target: string, instant: Date): string {
  try {
    return resolveTargetDate(target, instant, relativeDateTimeZone);
  } catch (error) {
    throw wf.ApplicationFailure.nonRetryable(errorMessage(error), 'InvalidExportRequest');
  }
}
