// The Temporal worker process: game-day workflows and their activities on one task queue. Compiled
// (`npm run build`), it loads the prebuilt workflow bundle; from the sources (tsx) it bundles at start.
import { runProcess } from '../platform/process';
import fs from 'node:fs';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { createExportStorage } from '../exports/storage';
import { createBigQuery } from '../platform/bigquery';
import { connectTemporal, createPubSub, temporalConnectionOptions } from '../platform/clients';
import { ConfigError, loadProcessConfig, type Config } from '../platform/config';
import { becomeCurrentIfNone } from '../deploy/worker-deployment';
import { checkDataset } from '../platform/infra/datasets';
import { workerNeeds } from '../platform/infra/iam';
import { warnOnShortRetention } from '../platform/infra/retention';
import { checkTopology } from '../platform/infra/topology';
import { log } from '../platform/log';
import { workflowBundleFile } from '../platform/paths';
import { freePort, startOpsServer } from '../platform/telemetry/http';
import { installRuntime } from '../platform/telemetry/runtime';
import { clientTracingInterceptors, startTracing, workerTracingPlugins } from '../platform/telemetry/tracing';
import { workerMetricsRegistry } from '../platform/telemetry/worker-metrics';

/** Running compiled (dist/src/worker/main.js) rather than through tsx. */
const compiled = __filename.endsWith('.js');

/** The prebuilt bundle when compiled, else the sources bundled now (webpack, a few seconds). */
export function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (compiled && fs.existsSync(workflowBundleFile)) return { workflowBundle: { codePath: workflowBundleFile } };
  return { workflowsPath: require.resolve('./workflows') };
}

/** Worker Versioning when the deployment gave this build an id (the image tag); off locally. */
function deploymentOptions(config: Config): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  const versioning = config.temporal.versioning;
  if (!versioning) return {};
  return {
    workerDeploymentOptions: {
      version: versioning,
      useWorkerVersioning: true,
      // A run stays on the build that started it; new builds take new runs once promoted. Why not
      // AUTO_UPGRADE: the README's "Replay safety and versioning".
      defaultVersioningBehavior: 'PINNED',
    },
  };
}

/** Pinning runs to an anonymous build would pin them to whatever the next image happens to be. */
function refuseVersioningWithoutBuildId(config: Config): void {
  if (config.temporal.versioningWithoutBuildId) {
    throw new ConfigError([
      'TEMPORAL_WORKER_VERSIONING is true but TEMPORAL_WORKER_BUILD_ID is unset: build the image with --build-arg BUILD_ID=<release> (or set TEMPORAL_WORKER_VERSIONING=false)',
    ]);
  }
}

/** /metrics (ours and the SDK's) and /healthz (the worker is running) on the metrics port. */
function startWorkerOpsServer(worker: Worker, sdkMetricsAddress: string, config: Config) {
  const { metricsHost, metricsPort } = config.worker;
  return startOpsServer(
    {
      metrics: {
        registry: workerMetricsRegistry(),
        extraMetrics: async () => (await fetch(`http://${sdkMetricsAddress}/metrics`)).text(),
      },
      healthz: () => Promise.resolve({ ok: worker.getState() === 'RUNNING', detail: { state: worker.getState() } }),
    },
    metricsHost,
    metricsPort,
  );
}

/** The first build of a deployment becomes current by itself; later ones wait for `pipeline deploy`. */
function becomeCurrentIfFirst(client: Client, version: NonNullable<Config['temporal']['versioning']>): void {
  void becomeCurrentIfNone(client, version, log)
    .then((outcome) => {
      if (outcome === 'another-is-current') {
        log.info(
          { build_id: version.buildId },
          'another build is current: this one receives new runs once ramped or promoted (pipeline deploy)',
        );
      }
    })
    .catch((error: unknown) => log.error({ err: error }, 'this build receives no new runs'));
}

/** Runs the worker until SIGINT/SIGTERM; `pipeline worker` calls it. */
export async function runWorker(): Promise<void> {
  const config = loadProcessConfig();
  log.level = config.logLevel;
  refuseVersioningWithoutBuildId(config);
  const { address, namespace, taskQueue } = config.temporal;
  const { metricsHost, shutdownGraceMs } = config.worker;
  // The SDK's Prometheus exporter listens on loopback only; /metrics on the metrics port serves it.
  const sdkMetricsAddress = `127.0.0.1:${await freePort('127.0.0.1')}`;
  installRuntime(log, config.logLevel, sdkMetricsAddress);
  const tracing = startTracing(config, 'worker');

  const pubsub = createPubSub(config);
  const bigquery = createBigQuery(config);
  // What `pipeline init` created: checked, never created here (the worker's roles cannot create it).
  await Promise.all([checkTopology(pubsub, workerNeeds), checkDataset(bigquery, 'worker')]);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const clientConnection = await connectTemporal(config); // for activities that open game days
  const temporalClient = new Client({
    connection: clientConnection,
    namespace,
    interceptors: clientTracingInterceptors(tracing),
  });
  const source = workflowSource();
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...source,
    ...deploymentOptions(config),
    activities: createActivities({
      pubsub,
      bigquery,
      storage: createExportStorage(config.exports),
      temporalClient,
      alertRoutes: config.alerts,
    }),
    // The prebuilt bundle carries the tracing interceptors; with tracing off their spans go nowhere.
    sinks: { exporter: { export: { fn: () => undefined } } },
    plugins: workerTracingPlugins(tracing),
    // On SIGTERM running activities get this long to finish (they heartbeat), then are cancelled.
    shutdownGraceTime: shutdownGraceMs,
  });
  const ops = await startWorkerOpsServer(worker, sdkMetricsAddress, config);
  await warnOnShortRetention(temporalClient, namespace, log);
  log.info(
    {
      task_queue: taskQueue,
      temporal: address,
      namespace,
      workflows: source.workflowBundle ? 'prebuilt bundle' : 'bundled at start',
      metrics_url: `http://${metricsHost}:${ops.port}/metrics`,
      build_id: config.temporal.versioning?.buildId,
      tracing: tracing !== undefined,
    },
    'worker started',
  );
  const running = worker.run(); // settles after SIGINT/SIGTERM, once in-flight tasks are done
  if (config.temporal.versioning) becomeCurrentIfFirst(temporalClient, config.temporal.versioning);
  await running;
  await ops.close();
  await pubsub.close();
  await clientConnection.close();
  await connection.close();
  await tracing?.shutdown();
  log.info('worker stopped');
}

/** The process entry (`pipeline worker`, dispatched by bin/pipeline.js). */
export const main = (): void => runProcess(runWorker);
