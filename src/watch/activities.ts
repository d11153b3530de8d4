// The daily watch's I/O: the health check and the reconcile, as activities for their Schedules.
import { Context } from '@temporalio/activity';
import type { BigQuery } from '@google-cloud/bigquery';
import type { PubSub } from '@google-cloud/pubsub';
import type { Client } from '@temporalio/client';
import { checkHealth } from './health';
import type { HealthReport } from './rules';
import { firstProcessorRuns } from './queries';
import { closedRunOf } from '../run-history/run-history';
import { refusedCompletions } from './rejected';
import { reconcile, type ReconciledDate } from './reconcile';

export interface ReconcileRequest {
  days: number;
  fix: boolean;
  /** The instant the reconcile is for (the workflow's clock); now when absent. */
  at?: string;
}

export function createWatchActivities(clients: { temporalClient: Client; bigquery: BigQuery; pubsub: PubSub }) {
  return {
    /** `at`: the instant the check is for (the workflow's clock); now when absent. */
    checkHealth: (at?: string): Promise<HealthReport> =>
      checkHealth({
        client: clients.temporalClient,
        bigquery: clients.bigquery,
        pubsub: clients.pubsub,
        taskQueue: Context.current().info.taskQueue,
        ...(at ? { now: new Date(at) } : {}),
      }),

    reconcileDates: async ({ days, fix, at }: ReconcileRequest): Promise<ReconciledDate[]> =>
      reconcile({
        client: clients.temporalClient,
        runsBetween: (from, to) => firstProcessorRuns(clients.bigquery, from, to),
        closedRunOf: (gameDate) => closedRunOf(clients.bigquery, gameDate),
        // What the bridge refused on purpose is never handed over: the dead letters say which.
        refused: fix ? await refusedCompletions(clients.pubsub) : [],
        taskQueue: Context.current().info.taskQueue,
        days,
        fix,
        ...(at ? { now: new Date(at) } : {}),
      }),
  };
}

export type WatchActivities = ReturnType<typeof createWatchActivities>;
