// One export run: every phase 6 trigger, event-driven or scheduled, becomes one of these. Each
// export type runs as its own activity, in parallel; one failing type does not stop the others.
// The run reports what happened once, on nba-phase6-export-complete, and returns the same report.
import * as wf from '@temporalio/workflow';
import type { ExportActivities, ExportWritten } from './activities';
import {
  exportRequestOf,
  exportStatus,
  type ExportComplete,
  type ExportFailure,
  type ExportTrigger,
} from '../messages/export-message';
import type { ExportType } from '../pipeline/exports';
import { relativeDateTimeZone } from '../time';
import { failureMessage } from '../temporal/failure';
import { scheduledOrStartTime } from '../temporal/scheduled-time';
import { CorrelationId, GameDate, PipelinePhase } from '../temporal/search-attributes';
import { resolveTargetDate, updatesLatest } from '../time';
import { errorMessage } from '../platform/errors';
import { sendAlert } from '../alerts/workflow';

const { runExport } = wf.proxyActivities<ExportActivities>({
  // One query and a few small uploads.
  startToCloseTimeout: '5 minutes',
  // A few tries ride out a BigQuery or storage hiccup; after that the type is reported as failed
  // rather than holding the other types' report back for hours.
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 4,
    nonRetryableErrorTypes: ['InvalidExportRequest'],
  },
});

const { publishExportComplete } = wf.proxyActivities<ExportActivities>({
  startToCloseTimeout: '30 seconds',
  // The report must go out eventually: retry until Pub/Sub takes it, backing off to once a minute.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

type Outcome = { exportType: ExportType; written: ExportWritten } | { exportType: ExportType; error: string };

export async function exportWorkflow(trigger: ExportTrigger): Promise<ExportComplete> {
  const { workflowId } = wf.workflowInfo();
  const request = exportRequestOf(trigger);
  const firedAt = scheduledOrStartTime();
  const targetDate = resolveOrReject(request.targetDate, firedAt);
  // An old day's export (a rerun, a backfill) writes its dated files only, never today's.
  const updateLatest = request.updateLatest && updatesLatest(targetDate, firedAt);
  wf.upsertSearchAttributes([
    { key: GameDate, value: targetDate },
    { key: PipelinePhase, value: 'phase6' },
    ...(trigger.correlation_id ? [{ key: CorrelationId, value: trigger.correlation_id }] : []),
  ]);

  const outcomes = await Promise.all(
    request.exportTypes.map(async (exportType): Promise<Outcome> => {
      try {
        const written = await runExport({ exportType, targetDate, updateLatest, minGames: request.minGames });
        return { exportType, written };
      } catch (error) {
        return { exportType, error: failureMessage(error) };
      }
    }),
  );

  const written = outcomes.flatMap((o) => ('written' in o ? [o.written] : []));
  const failed = outcomes.flatMap((o): ExportFailure[] =>
    'error' in o ? [{ export_type: o.exportType, error: o.error }] : [],
  );
  const report: ExportComplete = {
    trigger_id: trigger.trigger_id ?? workflowId,
    correlation_id: trigger.correlation_id ?? null,
    workflow_id: workflowId,
    target_date: targetDate,
    status: exportStatus(written.length, failed.length),
    export_types: request.exportTypes,
    succeeded: written.map((w) => w.exportType),
    failed,
    paths: written.flatMap((w) => w.paths),
    row_counts: Object.fromEntries(written.map((w) => [w.exportType, w.rowCount])),
    trigger_source: trigger.trigger_source ?? 'manual',
    triggered_by: trigger.triggered_by ?? null,
    timestamp: new Date().toISOString(),
    phase: 'phase6',
  };
  await publishExportComplete(report);
  const fields = {
    target_date: targetDate,
    trigger_id: report.trigger_id,
    correlation_id: report.correlation_id,
    phase: 'phase6',
  };
  if (failed.length > 0) wf.log.warn('exports failed', { ...fields, status: report.status, failed });
  else wf.log.info('exports written', { ...fields, export_types: report.succeeded });
  if (report.status !== 'success') await alertExport(report);
  return report;
}

/**
 * A failed export is critical (the website shows stale files), a partial one a warning; once per
 * export run, which the alert names (tonight's, the results', a better batch's and a manual one of
 * the same date are four alerts).
 */
async function alertExport(report: ExportComplete): Promise<void> {
  const failedAll = report.status === 'failed';
  await sendAlert({
    kind: failedAll ? 'export-failed' : 'export-partial',
    severity: failedAll ? 'critical' : 'warning',
    title: `Exports ${failedAll ? 'failed' : 'partly failed'}: ${report.failed.map((f) => f.export_type).join(', ')}`,
    game_date: report.target_date,
    episode: report.workflow_id,
    correlation_id: report.correlation_id,
    details: {
      trigger_id: report.trigger_id,
      workflow_id: report.workflow_id,
      succeeded: report.succeeded,
      failed: report.failed.map((f) => `${f.export_type}: ${f.error}`),
    },
  }).catch((error: unknown) =>
    wf.log.error('export alert not delivered', { target_date: report.target_date, error: failureMessage(error) }),
  );
}

/** A target date that cannot be read fails the run at once: retrying cannot fix the trigger. */
export function resolveOrReject(target: string, instant: Date): string {
  try {
    return resolveTargetDate(target, instant, relativeDateTimeZone);
  } catch (error) {
    throw wf.ApplicationFailure.nonRetryable(errorMessage(error), 'InvalidExportRequest');
  }
}
