// The Temporal worker process: game-day workflows and their activities on one task queue.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { createExportStorage } from '../src/activities/storage';
import { createBigQuery } from '../src/bigquery/client';
import { connectTemporal, createPubSub, temporalClient, temporalConnectionOptions } from '../src/clients';
import { config } from '../src/config';
import { warnOnShortRetention } from '../src/infra/retention';
import { log } from '../src/log';

/** Runs the worker until SIGINT/SIGTERM; `pipeline worker` calls it. */
export async function runWorker(): Promise<void> {
  const { address, namespace, taskQueue } = config.temporal;
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const pubsub = createPubSub(config);
  const clientConnection = await connectTemporal(config); // for activities that open game days
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowsPath: require.resolve('../src/workflows'),
    activities: createActivities({
      pubsub,
      bigquery: createBigQuery(config),
      storage: createExportStorage(config.exports),
      temporalClient: temporalClient(config, clientConnection),
      alertRoutes: config.alerts,
    }),
  });
  await warnOnShortRetention(temporalClient(config, clientConnection), namespace, log);
  log.info({ task_queue: taskQueue, temporal: address }, 'worker started');
  await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks are done
  await pubsub.close();
  await clientConnection.close();
  await connection.close();
  log.info('worker stopped');
}
