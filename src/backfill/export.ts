// A backfill's phase 6: the slate's tonight export run by the backfill itself. A phase 6 message
// with the run's trigger id would be left by the bridge to the date's run, and export nothing.
import { pipeline } from '../pipeline/definition';
import * as wf from '@temporalio/workflow';
import { eventDrivenExport } from '../pipeline/exports';
import { exportWorkflowIdFor } from '../pipeline/ids';
import { exportWorkflow } from '../exports/workflow';

/** Exports the date's tonight files (dated files only); why it failed, if it did. */
export async function backfillExport(
  backfillId: string,
  date: string,
  triggerId: string,
  firedAt: string,
): Promise<string | undefined> {
  try {
    const result = await wf.executeChild(exportWorkflow, {
      workflowId: `${exportWorkflowIdFor(date, eventDrivenExport.set)}/${backfillId}`,
      staticSummary: `Exports (tonight) of ${date}, backfilled by ${backfillId}`,
      args: [
        {
          export_types: [...eventDrivenExport.exportTypes],
          target_date: date,
          update_latest: false, // an old day's exports write their dated files only
          trigger_source: 'backfill',
          triggered_by: pipeline.triggeredBy.phase6,
          correlation_id: `${backfillId}/${date}`,
          trigger_id: triggerId,
          timestamp: firedAt,
          upstream_batch_id: null,
          upstream_predictions: null,
        },
      ],
    });
    if (result.failed.length > 0) return `exports failed: ${result.failed.map((f) => f.export_type).join(', ')}`;
    return undefined;
  } catch (error) {
    return `exports failed: ${String(error)}`;
  }
}
