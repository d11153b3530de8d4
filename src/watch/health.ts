// `pipeline health`: one look at the whole pipeline. Each check reads one source (Temporal's open
// runs, schedules and pollers, BigQuery's run history and tables, the dead-letter review
// subscription); a check that cannot run is itself a problem, and never hides the others.
import { errorMessage } from '../platform/errors';
import type { BigQuery } from '@google-cloud/bigquery';
import type { PubSub } from '@google-cloud/pubsub';
import type { Client } from '@temporalio/client';
import { duplicateRows, expiredRunsSince, firstProcessorRuns } from './queries';
import { deadLetterAttributes } from '../messages/dead-letter';
import { failedDates } from './failed-runs';
import { peekDeadLetters } from './dead-letter-review';
import { addDays } from '../time';
import { pipeline } from '../pipeline/definition';
import { workflowIdFor } from '../pipeline/ids';
import { listSchedules } from './schedules';
import { statusQuery } from '../date-run/status';
import { BackfillMode, GameDate, PipelinePhase } from '../temporal/search-attributes';
import { deploymentProblems } from './deployment';
import { deadLetterProblems, type DeadLetterSeen } from './dead-letter-rules';
import { expiredDate, lateProcessor, stuckDate, type HealthProblem, type HealthReport, type OpenRun } from './rules';

export interface HealthSources {
  client: Client;
  bigquery: BigQuery;
  pubsub: PubSub;
  taskQueue: string;
  /** The Worker Versioning deployment, when the workers are versioned. */
  deploymentName?: string;
  /** Defaults to the clock; the bench and tests pass a fixed instant. */
  now?: Date;
}

export async function checkHealth(sources: HealthSources): Promise<HealthReport> {
  const now = sources.now ?? new Date();
  const checks: Array<[string, () => Promise<HealthProblem[]>]> = [
    ['open runs', () => stuckDates(sources.client, now.getTime())],
    ['expired runs', () => expiredDates(sources.client, sources.bigquery, now)],
    ['failed runs', () => failedDates(sources.client, sources.bigquery, now)],
    ['dead letters', () => deadLetters(sources.pubsub, now.getTime())],
    ['late processors', () => lateProcessors(sources.bigquery, now)],
    ['duplicate rows', () => duplicates(sources.bigquery, now)],
    ['schedules', () => scheduleProblems(sources.client)],
    ['workers', () => workerProblems(sources.client, sources.taskQueue)],
  ];
  const { deploymentName } = sources;
  if (deploymentName)
    checks.push(['worker deployment', () => deploymentProblems(sources.client, deploymentName, sources.taskQueue)]);
  const results = await Promise.all(
    checks.map(([name, check]) =>
      check().catch((error: unknown): HealthProblem[] => [
        { kind: 'check-failed', detail: `${name}: ${errorMessage(error)}` },
      ]),
    ),
  );
  const problems = results.flat();
  return { healthy: problems.length === 0, checked_at: now.toISOString(), problems };
}

/** What visibility says of an open game-day run, before asking the run itself. */
export interface OpenRunListing {
  workflowId: string;
  gameDate: string;
  waitingOn?: string;
  backfill: boolean;
}

/** The open game-day runs, as Temporal's visibility lists them. */
export async function* openGameDayRuns(client: Client): AsyncIterable<OpenRunListing> {
  const open = client.workflow.list({ query: `WorkflowType = 'gameDayWorkflow' AND ExecutionStatus = 'Running'` });
  for await (const execution of open) {
    const gameDate = execution.typedSearchAttributes.get(GameDate);
    if (!gameDate) continue;
    const waitingOn = execution.typedSearchAttributes.get(PipelinePhase);
    yield {
      workflowId: execution.workflowId,
      gameDate,
      ...(waitingOn ? { waitingOn } : {}),
      backfill: execution.typedSearchAttributes.get(BackfillMode) ?? false,
    };
  }
}

/**
 * Open game-day runs with a phase past its deadline, by the run's own count (its status query).
 * Backfilled dates are left out before any query: a season's backfill keeps hundreds open.
 */
export async function stuckDates(
  client: Client,
  now: number,
  open: AsyncIterable<OpenRunListing> = openGameDayRuns(client),
): Promise<HealthProblem[]> {
  const problems: HealthProblem[] = [];
  for await (const listing of open) {
    if (listing.backfill) continue;
    const run: OpenRun = { gameDate: listing.gameDate, ...(listing.waitingOn ? { waitingOn: listing.waitingOn } : {}) };
    try {
      const status = await client.workflow.getHandle(listing.workflowId).query(statusQuery);
      run.backfill = status.backfill;
      run.phases = status.phases;
      if (status.waiting_on) run.waitingOnNow = status.waiting_on;
    } catch {
      // the run did not answer: what visibility says stands
    }
    const stuck = stuckDate(run, now);
    if (stuck) problems.push(stuck);
  }
  return problems.sort((a, b) => (a.game_date ?? '').localeCompare(b.game_date ?? ''));
}

async function expiredDates(client: Client, bigquery: BigQuery, now: Date): Promise<HealthProblem[]> {
  const runs = await expiredRunsSince(bigquery, new Date(now.getTime() - pipeline.watch.expiredWithin));
  const problems: HealthProblem[] = [];
  for (const run of runs) {
    // Older closes carry no backfill flag: the run itself may still say so.
    const problem = expiredDate(run);
    if (problem && !(await backfilled(client, run.gameDate))) problems.push(problem);
  }
  return problems;
}

/** A backfill loads a past date through the phases it chose, so its run closing short of them is no news. */
async function backfilled(client: Client, gameDate: string): Promise<boolean> {
  try {
    const run = await client.workflow.getHandle(workflowIdFor(gameDate)).describe();
    return run.typedSearchAttributes.get(BackfillMode) === true;
  } catch {
    return false; // past retention: the close stands as it was recorded
  }
}

/** The dead letters waiting for review, read without consuming them. */
async function deadLetters(pubsub: PubSub, now: number): Promise<HealthProblem[]> {
  const seen: DeadLetterSeen[] = (await peekDeadLetters(pubsub)).map((message) => {
    const attributes = message.attributes ?? {};
    const at = Date.parse(attributes[deadLetterAttributes.receivedAt] ?? '');
    const published = Number(message.publishTime?.seconds ?? 0) * 1000;
    return { reason: attributes[deadLetterAttributes.reason] ?? 'unknown', receivedAt: at || published };
  });
  return deadLetterProblems(seen, now);
}

async function lateProcessors(bigquery: BigQuery, now: Date): Promise<HealthProblem[]> {
  const today = now.toISOString().slice(0, 10);
  const runs = await firstProcessorRuns(bigquery, addDays(today, -pipeline.watch.lookbackDays), today);
  return runs.flatMap((run) => lateProcessor(run) ?? []);
}

async function duplicates(bigquery: BigQuery, now: Date): Promise<HealthProblem[]> {
  const from = addDays(now.toISOString().slice(0, 10), -pipeline.watch.lookbackDays);
  const found = await Promise.all(
    pipeline.watch.duplicateRowChecks.map((check) => duplicateRows(bigquery, check, from)),
  );
  return found.flat().map((d) => ({
    kind: 'duplicate-rows',
    game_date: d.gameDate,
    detail: `${d.table}: ${d.duplicateKeys} keys with more than one row (${d.extraRows} extra rows)`,
  }));
}

async function scheduleProblems(client: Client): Promise<HealthProblem[]> {
  const problems: HealthProblem[] = [];
  for (const schedule of await listSchedules(client)) {
    if (!schedule.applied) {
      problems.push({
        kind: 'schedule-missing',
        detail: `${schedule.id} is not on the server: pipeline schedules --apply`,
      });
      continue;
    }
    if (schedule.paused) problems.push({ kind: 'schedule-paused', detail: `${schedule.id} is paused` });
    if (!schedule.lastWorkflowId) continue;
    try {
      const last = await client.workflow.getHandle(schedule.lastWorkflowId).describe();
      if (['FAILED', 'TIMED_OUT', 'TERMINATED'].includes(last.status.name)) {
        problems.push({
          kind: 'schedule-failing',
          detail: `${schedule.id}: its last run ${schedule.lastWorkflowId} ended ${last.status.name}`,
        });
      }
    } catch {
      // the last run is past retention: nothing to say about it
    }
  }
  return problems;
}

/** Workers poll the task queue for workflow tasks and for activity tasks; either missing stops the pipeline. */
async function workerProblems(client: Client, taskQueue: string): Promise<HealthProblem[]> {
  // The API's TaskQueueType values: WORKFLOW = 1, ACTIVITY = 2.
  const types = { workflow: 1, activity: 2 };
  const problems: HealthProblem[] = [];
  for (const [name, taskQueueType] of Object.entries(types)) {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType,
    });
    if (!pollers || pollers.length === 0) {
      problems.push({ kind: 'no-workers', detail: `no worker polls ${taskQueue} for ${name} tasks` });
    }
  }
  return problems;
}
