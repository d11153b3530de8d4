// The daily watch's I/O: the health check and the reconcile, as activities for their Schedules.
import { Context } from '@temporalio/activity';
import type { BigQuery } from '@google-cloud/bigquery';
import type { PubSub } from '@google-cloud/pubsub';
import type { Client } from '@temporalio/client';
import { checkHealth } from '../health/check';
import type { HealthReport } from '../health/rules';
import { reconcile, type ReconciledDate } from '../reconcile/reconcile';

export function createWatchActivities(clients: { temporalClient: Client; bigquery: BigQuery; pubsub: PubSub }) {
  return {
    checkHealth: (): Promise<HealthReport> =>
      checkHealth({
        client: clients.temporalClient,
        bigquery: clients.bigquery,
        pubsub: clients.pubsub,
        taskQueue: Context.current().info.taskQueue,
      }),

    reconcileDates: ({ days, fix }: { days: number; fix: boolean }): Promise<ReconciledDate[]> =>
      reconcile({
        client: clients.temporalClient,
        bigquery: clients.bigquery,
        taskQueue: Context.current().info.taskQueue,
        days,
        fix,
      }),
  };
}
