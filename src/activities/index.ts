// All I/O the workflows do, built once per worker around injected clients.
import type { BigQuery } from '@google-cloud/bigquery';
import type { PubSub } from '@google-cloud/pubsub';
import type { Client } from '@temporalio/client';
import { bigQueryBackfillReads, createBackfillActivities } from './backfill';
import { createAlertActivities, type AlertRoutes } from './alerts';
import { createBigQueryActivities } from './bigquery';
import { createExportActivities } from './exports';
import { createOpenGameDayActivity } from './open-game-day';
import { createPublishActivities } from './publish';
import { createRunHistoryActivities } from './run-history';
import type { ExportStorage } from './storage';
import { createWatchActivities } from './watch';

export interface ActivityClients {
  pubsub: PubSub;
  bigquery: BigQuery;
  storage: ExportStorage;
  temporalClient: Client;
  alertRoutes?: AlertRoutes;
}

export function createActivities(clients: ActivityClients) {
  return {
    ...createPublishActivities(clients.pubsub),
    ...createAlertActivities(clients.temporalClient, clients.alertRoutes ?? {}),
    ...createBigQueryActivities(clients.bigquery),
    ...createExportActivities(clients),
    ...createOpenGameDayActivity(clients.temporalClient),
    ...createBackfillActivities(clients.temporalClient, bigQueryBackfillReads(clients.bigquery)),
    ...createRunHistoryActivities(clients.bigquery, clients.pubsub),
    ...createWatchActivities(clients),
  };
}

export type Activities = ReturnType<typeof createActivities>;
