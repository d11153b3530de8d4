// Export triggers people or scripts publish on nba-phase6-export-trigger (manual exports,
// docs/operations.md): each message runs its exports once, as an export run named after the message, so a
// redelivery finds the run already started. The orchestrator's own triggers (ids `game-day-…`) are
// left alone: the date's run exports them itself.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { ExportTrigger } from '../messages/export-message';
import { parseExportTrigger } from '../messages/export-wire';
import { gameDayWorkflowIdPrefix } from '../pipeline/ids';
import { exportWorkflow } from '../exports/workflow';

export type RequestedExport =
  | { outcome: 'started' | 'already-started'; workflowId: string }
  | { outcome: 'orchestrators-own'; triggerId: string }
  | { outcome: 'invalid'; reason: string };

/** The export run a published message starts: one per message. */
export const messageExportWorkflowId = (messageId: string): string => `export-message-${messageId}`;

export async function runRequestedExport(
  client: Client,
  taskQueue: string,
  message: { id: string; data: Buffer; attributes: Record<string, string> },
): Promise<RequestedExport> {
  const parsed = parseExportTrigger(message.data.toString('utf8'));
  if (!parsed.ok) return { outcome: 'invalid', reason: `export trigger: ${parsed.reason}` };
  const triggerId = parsed.value.trigger_id ?? message.attributes.trigger_id;
  if (triggerId?.startsWith(gameDayWorkflowIdPrefix)) return { outcome: 'orchestrators-own', triggerId };
  const workflowId = messageExportWorkflowId(message.id);
  const trigger: ExportTrigger = {
    ...parsed.value,
    trigger_source: parsed.value.trigger_source ?? 'manual',
    trigger_id: triggerId ?? workflowId,
  };
  try {
    await client.workflow.start(exportWorkflow, {
      workflowId,
      taskQueue,
      args: [trigger],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: `Export asked for on nba-phase6-export-trigger (message ${message.id})`,
    });
    return { outcome: 'started', workflowId };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { outcome: 'already-started', workflowId };
    throw error;
  }
}
