// `pipeline export --date D [--types a,b] [--force]` (the manual export, docs/operations.md): one export run for
// the date. Without --force a date whose export of those types already ran is left alone.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { Command, InvalidArgumentError } from 'commander';
import type { ExportComplete, ExportTrigger } from '../messages/export-message';
import { eventDrivenExport, exportTypes, type ExportType } from '../pipeline/exports';
import { exportWorkflowIdFor } from '../pipeline/ids';
import type { exportWorkflow } from '../exports/workflow';
import { GameDate, PipelinePhase } from '../temporal/search-attributes';
import { gameDate, webUiLink, whoAsked } from './operator';

export interface ExportRequest {
  /** Absent: the event-driven set (tonight's), sharing its run id so a date exported once is known. */
  types?: ExportType[];
  force: boolean;
  reason?: string;
  requestedBy: string;
}

export type ExportResult =
  | { outcome: 'exported'; workflowId: string; report: ExportComplete }
  | { outcome: 'already-exported'; workflowId: string };

/** The run id: the event-driven export's for its set, else one per set of types asked for. */
export function manualExportWorkflowId(date: string, types?: readonly ExportType[]): string {
  if (!types) return exportWorkflowIdFor(date, eventDrivenExport.set);
  return `export-${date}-manual-${[...types].sort().join('+')}`;
}

export async function exportDate(
  client: Client,
  taskQueue: string,
  date: string,
  request: ExportRequest,
): Promise<ExportResult> {
  const workflowId = manualExportWorkflowId(date, request.types);
  const now = new Date().toISOString();
  const trigger: ExportTrigger = {
    export_types: [...(request.types ?? eventDrivenExport.exportTypes)],
    target_date: date,
    // The export run itself limits `latest` to the current game date.
    update_latest: true,
    trigger_source: 'manual',
    triggered_by: request.requestedBy,
    correlation_id: null,
    // A forced run is new content: its own trigger id, so consumers don't drop it.
    trigger_id: request.force ? `${workflowId}/forced/${now}` : workflowId,
    timestamp: now,
    phase: 'phase6',
  };
  try {
    const handle = await client.workflow.start<typeof exportWorkflow>('exportWorkflow', {
      workflowId,
      taskQueue,
      args: [trigger],
      workflowIdReusePolicy: request.force ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      memo: { requested_by: request.requestedBy, reason: request.reason ?? null },
      staticSummary: `Manual export of ${date}: ${trigger.export_types.join(', ')}${request.reason ? ` (${request.reason})` : ''}`,
      typedSearchAttributes: [
        { key: GameDate, value: date },
        { key: PipelinePhase, value: 'phase6' },
      ],
    });
    return { outcome: 'exported', workflowId, report: await handle.result() };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { outcome: 'already-exported', workflowId };
    throw error;
  }
}

export interface ExportCommandDeps {
  withTemporal: <T>(run: (client: Client) => Promise<T>) => Promise<T>;
  taskQueue: string;
}

export function exportCommand(deps: ExportCommandDeps): Command {
  return new Command('export')
    .description("run a date's phase 6 exports now (default: tonight's set)")
    .requiredOption('--date <date>', 'game date, YYYY-MM-DD', gameDate)
    .option('--types <a,b>', `export types: ${exportTypes.join(', ')}`, typeList)
    .option('--force', 'export again although the date was exported already')
    .option('--reason <text>', 'why (recorded with the run)')
    .option('--json', 'print the outcome as JSON')
    .action(
      async (options: { date: string; types?: ExportType[]; force?: boolean; reason?: string; json?: boolean }) => {
        const request: ExportRequest = {
          ...(options.types ? { types: options.types } : {}),
          force: options.force === true,
          ...(options.reason ? { reason: options.reason } : {}),
          requestedBy: whoAsked(),
        };
        const result = await deps.withTemporal((client) => exportDate(client, deps.taskQueue, options.date, request));
        if (options.json) console.log(JSON.stringify(result, null, 2));
        else if (result.outcome === 'already-exported')
          console.log(`${options.date} was exported already (${result.workflowId}); --force exports it again`);
        else {
          const { report } = result;
          console.log(
            `${report.status}: ${report.succeeded.length} written (${report.succeeded.join(', ') || 'none'})` +
              (report.failed.length
                ? `, failed: ${report.failed.map((f) => `${f.export_type} (${f.error})`).join('; ')}`
                : '') +
              `\n${webUiLink(result.workflowId)}`,
          );
        }
        if (result.outcome === 'exported' && result.report.failed.length > 0) process.exitCode = 1;
      },
    );
}

function typeList(value: string): ExportType[] {
  const asked = value.split(',').map((t) => t.trim());
  const unknown = asked.filter((t) => !(exportTypes as readonly string[]).includes(t));
  if (unknown.length > 0 || asked.length === 0) {
    throw new InvalidArgumentError(`unknown export type ${unknown.join(', ')}: one of ${exportTypes.join(', ')}`);
  }
  return [...new Set(asked)] as ExportType[];
}
