// Dates whose run ended without the pipeline knowing: the run failed, was terminated or timed out
// (it wrote no close), or it completed but its close never reached the run history. Each is a
// `date-failed` problem, and the check records the close it finds missing, so a later delivery for
// the date is turned away as late instead of reopening it.
import type { BigQuery } from '@google-cloud/bigquery';
import type { Client } from '@temporalio/client';
import { recordedRunIds, recordRunClosed } from '../run-history/run-history';
import { pipeline } from '../pipeline/definition';
import { GameDate } from '../temporal/search-attributes';
import type { HealthProblem } from './rules';

/** How a game-day run ended, as Temporal tells it. */
export type EndedStatus = 'COMPLETED' | 'FAILED' | 'TERMINATED' | 'TIMED_OUT';

export interface EndedRun {
  gameDate: string;
  workflowId: string;
  /** The first run of its continue-as-new chain: the run history's run id. */
  runId: string;
  status: EndedStatus;
  closedAt: string;
  /** The run history holds this run's close. */
  recorded: boolean;
  /** What a completed run returned (`completed`, `late`, …). */
  outcome?: string;
}

/** The outcome a run's close is recorded with when the run wrote none itself. */
export function closeOutcomeOf(run: EndedRun): string {
  return run.status === 'COMPLETED' ? (run.outcome ?? 'completed') : run.status.toLowerCase();
}

/** A run that ended failed, terminated or timed out, or completed without its close recorded. */
export function failedDate(run: EndedRun): HealthProblem | undefined {
  if (run.status !== 'COMPLETED') {
    return {
      kind: 'date-failed',
      game_date: run.gameDate,
      detail: `run ${run.workflowId} ended ${run.status} at ${run.closedAt}${run.recorded ? '' : ' (its close recorded now)'}`,
    };
  }
  // A late run closes nothing: the date had closed before, and that close is recorded.
  if (run.recorded || run.outcome === 'late') return undefined;
  return {
    kind: 'date-failed',
    game_date: run.gameDate,
    detail: `run ${run.workflowId} closed ${run.outcome ?? 'completed'} at ${run.closedAt} without a game_day_runs row (recorded now)`,
  };
}

const endedStatuses: readonly string[] = ['COMPLETED', 'FAILED', 'TERMINATED', 'TIMED_OUT'];

/** Game-day runs that ended within the window, with whether the run history holds their close. */
export async function endedRuns(client: Client, bigquery: BigQuery, now: Date): Promise<EndedRun[]> {
  const since = new Date(now.getTime() - pipeline.watch.expiredWithin).toISOString();
  const query = `WorkflowType = 'gameDayWorkflow' AND ExecutionStatus != 'Running' AND ExecutionStatus != 'ContinuedAsNew' AND CloseTime > '${since}'`;
  const runs: EndedRun[] = [];
  for await (const execution of client.workflow.list({ query })) {
    const gameDate = execution.typedSearchAttributes.get(GameDate);
    if (!gameDate || !endedStatuses.includes(execution.status.name)) continue;
    const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
    const firstRunId =
      execution.raw.firstRunId || (await handle.describe()).raw.workflowExecutionInfo?.firstRunId || execution.runId;
    runs.push({
      gameDate,
      workflowId: execution.workflowId,
      runId: firstRunId,
      status: execution.status.name as EndedStatus,
      closedAt: (execution.closeTime ?? now).toISOString(),
      recorded: false,
    });
  }
  const recorded = await recordedRunIds(
    bigquery,
    runs.map((r) => r.runId),
  );
  for (const run of runs) {
    run.recorded = recorded.has(run.runId);
    if (run.status === 'COMPLETED' && !run.recorded) {
      const result: unknown = await client.workflow
        .getHandle(run.workflowId)
        .result()
        .catch(() => undefined);
      if (typeof result === 'string') run.outcome = result;
    }
  }
  return runs;
}

/** The `date-failed` check: finds the dates, and records each close the run history lacks. */
export async function failedDates(client: Client, bigquery: BigQuery, now: Date): Promise<HealthProblem[]> {
  const problems: HealthProblem[] = [];
  for (const run of await endedRuns(client, bigquery, now)) {
    const problem = failedDate(run);
    if (!problem) continue;
    if (!run.recorded) {
      await recordRunClosed(bigquery, {
        gameDate: run.gameDate,
        runId: run.runId,
        workflowId: run.workflowId,
        outcome: closeOutcomeOf(run),
        correlationId: null,
        openedAt: null,
        closedAt: run.closedAt,
      });
    }
    problems.push(problem);
  }
  return problems.sort((a, b) => (a.game_date ?? '').localeCompare(b.game_date ?? ''));
}
