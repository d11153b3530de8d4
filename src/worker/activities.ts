// All I/O the workflows do, built once per worker around injected clients.
import type { BigQuery } from '@google-cloud/bigquery';
import type { PubSub } from '@google-cloud/pubsub';
import type { Client } from '@temporalio/client';
import { bigQueryBackfillReads, createBackfillActivities } from '../backfill/activities';
import { createAlertActivities, type AlertRoutes } from '../alerts/activities';
import { createScheduleActivities } from '../schedule/activities';
import { createPhase5Activities } from '../phase5/activities';
import { createExportActivities } from '../exports/activities';
import { createOpenGameDayActivity } from '../date-run/client';
import { createPublishActivities } from '../triggers/publish';
import { createRunHistoryActivities } from '../run-history/activities';
import type { ExportStorage } from '../exports/storage';
import { createWatchActivities } from '../watch/activities';

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
    ...createScheduleActivities(clients.bigquery),
    ...createPhase5Activities(clients.bigquery),
    ...createExportActivities(clients),
    ...createOpenGameDayActivity(clients.temporalClient),
    ...createBackfillActivities(clients.temporalClient, bigQueryBackfillReads(clients.bigquery)),
    ...createRunHistoryActivities(clients.bigquery, clients.pubsub),
    ...createWatchActivities(clients),
  };
}

export type Activities = ReturnType<typeof createActivities>;
