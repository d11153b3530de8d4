// `pipeline rerun D --from-phase N --reason TEXT`: a deliberate rerun of a closed date — a new run
// of `game-day-<date>` whose triggers carry `game-day-<date>/rerun-<n>/…` ids
// (docs/operations.md), so consumers that deduped the first run's triggers act on them.
import type { Client } from '@temporalio/client';
import { Command } from 'commander';
import { rerunScope, workflowIdFor } from '../pipeline/ids';
import { refuseRequest, type Rerun, type TriggerablePhase } from '../date-run/commands';
import type { gameDayWorkflow } from '../game-day/workflow';
import { CorrelationId, GameDate, PipelinePhase } from '../temporal/search-attributes';
import { describeRun, gameDate, reasonText, triggerablePhase, UsageError, webUiLink, whoAsked } from './operator';

export interface RerunRequest {
  fromPhase: TriggerablePhase;
  reason: string;
  requestedBy: string;
}

export interface RerunStarted {
  workflowId: string;
  runId: string;
  attempt: number;
  /** Its trigger ids start with this. */
  triggerIdPrefix: string;
}

/** The run's memo: which rerun of the date it is (`pipeline rerun` counts on from it). */
export interface RerunMemo {
  rerun: number;
}

/** How many times the run history saw the date close (it remembers what Temporal's retention forgets). */
export type ClosesCounter = (date: string) => Promise<number>;

export async function rerunDate(
  client: Client,
  taskQueue: string,
  date: string,
  request: RerunRequest,
  countCloses?: ClosesCounter,
): Promise<RerunStarted> {
  const refused = refuseRequest(request);
  if (refused) throw new UsageError(refused);
  const last = await describeRun(client, date);
  if (last?.status.name === 'RUNNING') {
    throw new UsageError(
      `${date} is still open (run ${last.runId}): a rerun is for a closed date; push it on with pipeline trigger instead`,
    );
  }
  // Temporal remembers the last run's rerun number; after its retention only the run history does.
  const closes = countCloses ? await countCloses(date) : 0;
  if (!last && closes === 0)
    throw new UsageError(`${date} never ran: nothing to rerun (it opens with its first completion)`);
  const before = Number((last?.memo as Partial<RerunMemo> | undefined)?.rerun ?? 0);
  const attempt = Math.max(before, closes - 1) + 1;
  const correlationId = last?.typedSearchAttributes.get(CorrelationId) ?? null;
  const rerun: Rerun = { ...request, attempt, correlationId };
  const workflowId = workflowIdFor(date);
  const handle = await client.workflow.start<typeof gameDayWorkflow>('gameDayWorkflow', {
    workflowId,
    taskQueue,
    args: [{ gameDate: date, rerun }],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    memo: { rerun: attempt } satisfies RerunMemo,
    staticSummary: `Rerun ${attempt} of ${date} from ${request.fromPhase}: ${request.reason}`,
    typedSearchAttributes: [
      { key: GameDate, value: date },
      { key: PipelinePhase, value: request.fromPhase },
      ...(correlationId ? [{ key: CorrelationId, value: correlationId }] : []),
    ],
  });
  return {
    workflowId,
    runId: handle.firstExecutionRunId,
    attempt,
    triggerIdPrefix: `${workflowId}/${rerunScope(attempt)}/`,
  };
}

export interface RerunCommandDeps {
  withTemporal: <T>(run: (client: Client) => Promise<T>) => Promise<T>;
  taskQueue: string;
  countCloses: ClosesCounter;
}

export function rerunCommand(deps: RerunCommandDeps): Command {
  return new Command('rerun')
    .description('rerun a closed date from a phase: a new run with new trigger ids, cascading as usual')
    .argument('<date>', 'game date, YYYY-MM-DD', gameDate)
    .requiredOption('--from-phase <phase>', 'the phase to trigger at once: 3–6 (or phase3 … phase6)', triggerablePhase)
    .requiredOption('--reason <text>', 'why (recorded with the command)', reasonText)
    .option('--json', 'print the new run as JSON')
    .action(async (date: string, options: { fromPhase: TriggerablePhase; reason: string; json?: boolean }) => {
      const request = { fromPhase: options.fromPhase, reason: options.reason, requestedBy: whoAsked() };
      const started = await deps.withTemporal((client) =>
        rerunDate(client, deps.taskQueue, date, request, deps.countCloses),
      );
      if (options.json) console.log(JSON.stringify(started, null, 2));
      else
        console.log(
          `rerun ${started.attempt} of ${date} started from ${options.fromPhase} (run ${started.runId}); its triggers: ${started.triggerIdPrefix}…\n${webUiLink(started.workflowId)}`,
        );
    });
}
