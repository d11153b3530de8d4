// All I/O the workflows do, built once per worker around injected clients.
import type { BigQuery } from '@google-cloud/bigquery';
import type { PubSub } from '@google-cloud/pubsub';
import type { Client } from '@temporalio/client';
import { createAlertActivities } from './alerts';
import { createBackfillActivities } from './backfill';
import { createBigQueryActivities } from './bigquery';
import { createExportActivities } from './exports';
import { createOpenGameDayActivity } from './open-game-day';
import { createPublishActivities } from './publish';
import { createRunHistoryActivities } from './run-history';
import type { ExportStorage } from './storage';

export interface ActivityClients {
  pubsub: PubSub;
  bigquery: BigQuery;
  storage: ExportStorage;
  temporalClient: Client;
  alertWebhookUrl?: string;
}

export function createActivities(clients: ActivityClients) {
  return {
    ...createPublishActivities(clients.pubsub),
    ...createAlertActivities(clients.alertWebhookUrl),
    ...createBigQueryActivities(clients.bigquery),
    ...createExportActivities(clients),
    ...createOpenGameDayActivity(clients.temporalClient),
    ...createBackfillActivities(clients.temporalClient),
    ...createRunHistoryActivities(clients.bigquery, clients.pubsub),
  };
}

export type Activities = ReturnType<typeof createActivities>;
