// The bridge process: Pub/Sub completions (and requested exports) in, by streaming pull and push;
// Temporal signals (and export runs) out. Its HTTP port serves the push endpoint, /metrics, /healthz
// (alive) and /readyz (subscribed, Temporal reachable).
import { runProcess } from '../platform/process';
import { createBridgeAlerts, type BridgeAlerts } from './alerts';
import { createHandler, type Handle } from './handler';
import { deadLetterPublisher } from './dead-letter';
import type { DeadLetter } from '../messages/dead-letter';
import { createBridgeMetrics, type BridgeMetrics } from './metrics';
import { pullAll, type Pulling } from './pull';
import { startPushServer } from './push';
import { connectTemporal, createPubSub } from '../platform/clients';
import { loadProcessConfig } from '../platform/config';
import { bridgeNeeds } from '../platform/infra/iam';
import { checkTopology } from '../platform/infra/topology';
import { log } from '../platform/log';
import { bridgeTopics } from '../pipeline/definition';
import { opsHandlers, type RouteHandler } from '../platform/telemetry/http';
import { clientTracingInterceptors, inSpan, startTracing } from '../platform/telemetry/tracing';
import { Client } from '@temporalio/client';
import type { PubSub } from '@google-cloud/pubsub';

type ProcessConfig = ReturnType<typeof loadProcessConfig>;
type Tracing = ReturnType<typeof startTracing>;

/** Runs the bridge until SIGINT/SIGTERM; `pipeline bridge` calls it. Exits 1 if it cannot resubscribe. */
export async function runBridge(): Promise<void> {
  const config = loadProcessConfig();
  log.level = config.logLevel;
  const { bridge } = config;
  const tracing = startTracing(config, 'bridge');
  const pubsub = createPubSub(config);
  // The topics and subscriptions are `pipeline init`'s: the bridge checks they exist and creates none.
  const needs = bridgeNeeds(bridge.pull);
  await checkTopology(pubsub, needs);
  const connection = await connectTemporal(config);
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    interceptors: clientTracingInterceptors(tracing),
  });
  const metrics = createBridgeMetrics();
  const alerts = createBridgeAlerts({
    client,
    connection,
    taskQueue: config.temporal.taskQueue,
    routes: config.alerts,
    temporalTarget: `${config.temporal.address} (namespace ${config.temporal.namespace})`,
    count: (labels) => metrics.countAlert(labels),
    log,
  });
  const deadLetter = alerts.watchDeadLetters(deadLetterPublisher(pubsub));
  const handle = tracedHandler(tracing, metrics.instrument(bridgeHandler(config, client, deadLetter, alerts)));
  const pull = bridge.pull ? startPulling(pubsub, handle, bridge, () => checkTopology(pubsub, needs)) : undefined;
  const state = { stopping: false };
  const routes = opsRoutes(metrics, alerts, pull, state);
  const push = await startPushServer(handle, deadLetter, bridge, log, { routes });
  log.info(
    {
      pull_topics: pull ? bridgeTopics : [],
      push_url: bridge.push ? push.url : undefined,
      metrics_url: push.url.replace(/\/pubsub\/push$/, '/metrics'),
      redelivery: bridge.redelivery,
      max_deliveries: bridge.maxDeliveries,
      tracing: tracing !== undefined,
    },
    'bridge started',
  );
  const closeClients = () => Promise.all([alerts.close(), pubsub.close(), connection.close(), tracing?.shutdown()]);
  const stop = (signal: string) => stopBridge(signal, state, bridge.drainMs, [pull, push], closeClients);
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

function bridgeHandler(config: ProcessConfig, client: Client, deadLetter: DeadLetter, alerts: BridgeAlerts): Handle {
  const { bridge } = config;
  return createHandler({
    client,
    taskQueue: config.temporal.taskQueue,
    maxMessageBytes: bridge.maxMessageBytes,
    maxDeliveries: bridge.maxDeliveries,
    backoff: bridge.backoff,
    maxDaysAhead: bridge.maxDaysAhead,
    deadLetter,
    temporalReached: (reachable, error) => alerts.temporalReached(reachable, error),
    log,
  });
}

/** One span per message; the handler tags it with game_date and correlation_id once parsed. */
function tracedHandler(tracing: Tracing, handler: Handle): Handle {
  return (message) =>
    inSpan(
      tracing,
      'bridge.message',
      { 'messaging.destination.name': message.topic, 'messaging.message.id': message.id },
      () => handler(message),
    );
}

function startPulling(
  pubsub: PubSub,
  handle: Handle,
  bridge: ProcessConfig['bridge'],
  readyTopology: () => Promise<void>,
): Pulling {
  return pullAll(pubsub, bridgeTopics, handle, {
    maxOutstanding: bridge.maxOutstanding,
    redelivery: bridge.redelivery,
    // A subscription deleted under us is not recreated: the check names it, and we exit at once.
    readyTopology,
    giveUpAfterMs: bridge.resubscribeGiveUpMs,
    drainMs: bridge.drainMs,
    // Deaf is worse than down: exit so the supervisor (stack, container, fault suite) restarts us.
    onFatal: (error) => {
      log.fatal({ err: error }, 'bridge cannot resubscribe; exiting');
      process.exit(1);
    },
    log,
  });
}

function opsRoutes(
  metrics: BridgeMetrics,
  alerts: BridgeAlerts,
  pull: Pulling | undefined,
  state: { stopping: boolean },
): Record<string, RouteHandler> {
  return opsHandlers({
    metrics: { registry: metrics.registry },
    healthz: () => Promise.resolve({ ok: true, detail: {} }),
    // The last real call's verdict (signals, export starts, the 10 s probe): no call to Temporal per request.
    readyz: () => {
      const subscribed = pull ? pull.subscribed() : true;
      const temporal = alerts.temporalReachable();
      const { stopping } = state;
      return Promise.resolve({ ok: !stopping && subscribed && temporal, detail: { subscribed, temporal, stopping } });
    },
  });
}

async function stopBridge(
  signal: string,
  state: { stopping: boolean },
  drainMs: number,
  intake: readonly ({ close(): Promise<void> } | undefined)[],
  closeClients: () => Promise<unknown>,
): Promise<void> {
  if (state.stopping) return;
  state.stopping = true;
  log.info({ signal, drain_ms: drainMs }, 'bridge stopping: draining the messages it holds');
  // Bounded: whatever is still held after the drain time is redelivered by Pub/Sub.
  const drained = Promise.all(intake.map((source) => source?.close() ?? Promise.resolve())).then(() => true);
  const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), drainMs + 1000).unref());
  const clean = await Promise.race([drained, timeout]);
  if (!clean) log.warn({ drain_ms: drainMs }, 'drain time over; Pub/Sub redelivers what was still held');
  // The clients close whatever an alert still being delivered does; both within the same bound.
  await Promise.race([closeClients(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
  log.info({ drained: clean }, 'bridge stopped');
  process.exit(0);
}

/** The process entry (`pipeline bridge`, dispatched by bin/pipeline.js). */
export const main = (): void => runProcess(runBridge);
