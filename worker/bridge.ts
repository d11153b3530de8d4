// The bridge process: Pub/Sub completions (and requested exports) in, by streaming pull and push; Temporal signals (and export runs) out.
import { createHandler } from '../src/bridge/handler';
import { deadLetterPublisher } from '../src/bridge/dead-letter';
import { pullAll } from '../src/bridge/pull';
import { startPushServer } from '../src/bridge/push';
import { connectTemporal, createPubSub, temporalClient } from '../src/clients';
import { config } from '../src/config';
import { ensureTopology, type TopologyOptions } from '../src/infra/topology';
import { log } from '../src/log';
import { bridgeTopics } from '../src/pipeline/definition';

/** Runs the bridge until SIGINT/SIGTERM; `pipeline bridge` calls it. Exits 1 if it cannot resubscribe. */
export async function runBridge(): Promise<void> {
  const { bridge } = config;
  const pubsub = createPubSub(config);
  const topology: TopologyOptions = {
    maxDeliveries: bridge.maxDeliveries,
    minBackoffSeconds: bridge.backoff.minSeconds,
    maxBackoffSeconds: bridge.backoff.maxSeconds,
  };
  if (bridge.pull) await ensureTopology(pubsub, topology);
  else {
    // Push-only: the push subscriptions are the deployment's, but dead letters still need their
    // topic and review subscription; a bridge without the rights to create them says so and goes on.
    await ensureTopology(pubsub, topology).catch((error: unknown) =>
      log.warn(
        { err: error },
        'could not create the topics and subscriptions; dead letters need nba-orchestrator-dead-letter-review',
      ),
    );
  }
  const connection = await connectTemporal(config);
  const deadLetter = deadLetterPublisher(pubsub);
  const handle = createHandler({
    client: temporalClient(config, connection),
    taskQueue: config.temporal.taskQueue,
    maxMessageBytes: bridge.maxMessageBytes,
    maxDeliveries: bridge.maxDeliveries,
    backoff: bridge.backoff,
    maxDaysAhead: bridge.maxDaysAhead,
    deadLetter,
    log,
  });
  const pull = bridge.pull
    ? pullAll(pubsub, bridgeTopics, handle, {
        maxOutstanding: bridge.maxOutstanding,
        redelivery: bridge.redelivery,
        recreate: () => ensureTopology(pubsub, topology),
        giveUpAfterMs: bridge.resubscribeGiveUpMs,
        // Deaf is worse than down: exit so the supervisor (stack, container, fault suite) restarts us.
        onFatal: (error) => {
          log.fatal({ err: error }, 'bridge cannot resubscribe; exiting');
          process.exit(1);
        },
        log,
      })
    : undefined;
  const push = await startPushServer(handle, deadLetter, bridge, log);
  log.info(
    {
      pull_topics: pull ? bridgeTopics : [],
      push_url: bridge.push ? push.url : undefined,
      redelivery: bridge.redelivery,
      max_deliveries: bridge.maxDeliveries,
    },
    'bridge started',
  );

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
