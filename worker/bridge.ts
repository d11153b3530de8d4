// The bridge process: Pub/Sub completions in (streaming pull and push), Temporal signals out.
import { createHandler } from '../src/bridge/handler';
import { deadLetterPublisher } from '../src/bridge/dead-letter';
import { pullAll } from '../src/bridge/pull';
import { startPushServer } from '../src/bridge/push';
import { connectTemporal, createPubSub, temporalClient } from '../src/clients';
import { config } from '../src/config';
import { ensureTopology } from '../src/infra/topology';
import { log } from '../src/log';
import { completionTopics } from '../src/pipeline/definition';

/** Runs the bridge until SIGINT/SIGTERM; `pipeline bridge` calls it. */
export async function runBridge(): Promise<void> {
  const pubsub = createPubSub(config);
  if (config.bridge.pull) await ensureTopology(pubsub);
  const connection = await connectTemporal(config);
  const handle = createHandler({
    client: temporalClient(config, connection),
    taskQueue: config.temporal.taskQueue,
    maxMessageBytes: config.bridge.maxMessageBytes,
    deadLetter: deadLetterPublisher(pubsub),
    log,
  });
  const pull = config.bridge.pull
    ? pullAll(pubsub, completionTopics, handle, { maxOutstanding: config.bridge.maxOutstanding, log })
    : undefined;
  const push = await startPushServer(handle, config.bridge, log);
  log.info({ pull_topics: pull ? completionTopics : [], push_url: push.url }, 'bridge started');

  const stop = async (signal: string) => {
    log.info({ signal }, 'bridge stopping');
    await Promise.all([pull?.close(), push.close()]);
    await pubsub.close();
    await connection.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
