// One export run: every phase 6 trigger, event-driven or scheduled, becomes one of these. Each
// export type runs as its own activity, in parallel; one failing type does not stop the others.
// The run reports what happened once, on nba-phase6-export-complete, and returns the same report.
// What the run exports and its steps live in `TriggeredExport`.
import * as wf from '@temporalio/workflow';
import { reporting } from '../temporal/activity-options';
import type { ExportActivities } from './activities';
import type { ExportComplete, ExportTrigger } from '../messages/export-message';
import { failureMessage } from '../temporal/failure';
import { sendAlert } from '../alerts/workflow';
import { TriggeredExport } from './run';

const { publishExportComplete } = wf.proxyActivities<ExportActivities>(reporting);

export async function exportWorkflow(trigger: ExportTrigger): Promise<ExportComplete> {
  const run = new TriggeredExport(trigger);
  run.showInWebUi();
  const report = run.reportOf(await run.exportAll());
  await publishExportComplete(report);
  const fields = {
    target_date: report.target_date,
    trigger_id: report.trigger_id,
    correlation_id: report.correlation_id,
    phase: 'phase6',
  };
  if (report.failed.length > 0)
    wf.log.warn('exports failed', { ...fields, status: report.status, failed: report.failed });
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
