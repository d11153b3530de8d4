// The Temporal worker process: game-day workflows and their activities on one task queue.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { createPubSub } from '../src/clients';
import { config } from '../src/config';
import { log } from '../src/log';

async function main(): Promise<void> {
  const { address, namespace, taskQueue, apiKey, tls } = config.temporal;
  const connection = await NativeConnection.connect({
    address,
    apiKey,
    tls: tls ? { clientCertPair: { crt: await readFile(tls.certPath), key: await readFile(tls.keyPath) } } : Boolean(apiKey),
  });
  const pubsub = createPubSub(config);
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowsPath: require.resolve('../src/workflows'),
    activities: createActivities({ pubsub }),
  });
  log.info({ task_queue: taskQueue, temporal: address }, 'worker started');
  await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks are done
  await pubsub.close();
  await connection.close();
  log.info('worker stopped');
}

async function readFile(path: string): Promise<Buffer> {
  return (await import('node:fs/promises')).readFile(path);
}

main().catch((error: unknown) => {
  log.fatal({ err: error }, 'worker failed');
  process.exit(1);
});
