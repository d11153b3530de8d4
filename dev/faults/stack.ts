// The fault suite's own stack on free ports: the Temporal dev server (SQLite file), the Pub/Sub
// emulator, bqemulator, and the real `pipeline worker` and `pipeline bridge` processes under a
// supervisor. Everything lives in one temporary directory; logs are kept there for a post-mortem.
import fs from 'node:fs';
import path from 'node:path';
import type { BigQuery } from '@google-cloud/bigquery';
import { Client, Connection } from '@temporalio/client';
import { createBigQuery, ensureSchema } from '../../src/platform/bigquery';
import { ensureTopology } from '../../src/platform/infra/topology';
import { bigqueryEmulatorSpec } from '../stack/bigquery-emulator';
import { freePort, startDevServer, tempDir, type DevServer } from '../stack/ephemeral';
import { processSpecs } from '../stack/local';
import { startService, type RunningService } from '../stack/services';
import { startAlertReceiver, type AlertReceiver } from './alert-receiver';
import { startPubSubServer, type PubSubServer } from './pubsub-server';
import { supervise, type Supervised } from './supervisor';
import { errorMessage } from '../../src/platform/errors';

export interface FaultStack {
  dir: string;
  taskQueue: string;
  /** The bridge's push endpoint. */
  pushUrl: string;
  /** The bridge's HTTP port (/metrics, /healthz, /readyz) and the worker's metrics port. */
  bridgeUrl: string;
  workerMetricsUrl: string;
  temporal: DevServer;
  pubsub: PubSubServer;
  bigquery: BigQueryServer;
  /** Slack and PagerDuty: every alert the processes send lands here. */
  alerts: AlertReceiver;
  client: Client;
  worker: Supervised;
  bridge: Supervised;
  /** What the worker and the bridge run with (the CLI too, pointed at the same servers). */
  env: Record<string, string>;
  /**
   * One more replica of the worker or the bridge, supervised under `name` (its own log and ports),
   * on the same task queue and subscriptions unless `env` says otherwise; up once it logged its start.
   */
  replica(
    of: 'worker' | 'bridge',
    name: string,
    env?: Record<string, string>,
    waitForStart?: boolean,
  ): Promise<Replica>;
  /** kill -9 of the Temporal dev server, then a restart on the same port and SQLite file. */
  killTemporal(): Promise<void>;
  close(): Promise<void>;
}

export interface Replica extends Supervised {
  /** Its HTTP port (/metrics, /healthz, /readyz; the bridge's push endpoint). */
  url: string;
}

/** bqemulator on its DuckDB file: stopped (BigQuery down) and started again on the same port and file. */
export interface BigQueryServer {
  /** For BIGQUERY_EMULATOR_HOST. */
  host: string;
  bigquery: BigQuery;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function startBigQueryServer(dir: string, project = 'nba-props-platform'): Promise<BigQueryServer> {
  const port = await freePort();
  const spec = bigqueryEmulatorSpec({ host: '127.0.0.1', port, project, dataDir: path.join(dir, 'bigquery') });
  let service: RunningService | undefined = await startService(spec, dir);
  const host = `http://127.0.0.1:${port}`;
  const bigquery = createBigQuery({ gcpProject: project, bigqueryEmulatorHost: host });
  await ensureSchema(bigquery);
  return {
    host,
    bigquery,
    async stop() {
      await service?.stop();
      service = undefined;
    },
    async start() {
      service ??= await startService(spec, dir);
    },
  };
}

/** The worker's and the bridge's environment: the suite's servers, their ports, and `extraEnv` over all. */
function processEnv(stack: {
  /** Where the suite's Temporal and alert receiver listen. */
  serversEnv: Record<string, string>;
  taskQueue: string;
  pubsubHost: string;
  bigqueryHost: string;
  bridgePort: number;
  workerMetricsPort: number;
  dir: string;
  extraEnv: Record<string, string>;
}): Record<string, string> {
  return {
    ...stack.serversEnv,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    PUBSUB_EMULATOR_HOST: stack.pubsubHost,
    BIGQUERY_EMULATOR_HOST: stack.bigqueryHost,
    BRIDGE_PORT: String(stack.bridgePort),
    // Pull and push both: the poison scenario posts to the push endpoint too.
    BRIDGE_PUSH: 'true',
    WORKER_METRICS_PORT: String(stack.workerMetricsPort),
    EXPORT_DIR: path.join(stack.dir, 'exports'),
    // The suite reads the processes' logs: "trigger published", "worker started", "bridge started".
    LOG_LEVEL: 'info',
    ...stack.extraEnv,
  };
}

/** `extraEnv` goes to the worker and the bridge (a test that turns tracing on, say). */
export async function startFaultStack(extraEnv: Record<string, string> = {}): Promise<FaultStack> {
  const dir = tempDir('faults');
  const [temporal, pubsub, bigquery, alerts] = await Promise.all([
    startDevServer(dir),
    startPubSubServer(dir),
    startBigQueryServer(dir),
    startAlertReceiver(),
  ]);
  await ensureTopology(pubsub.pubsub);

  const taskQueue = 'faults';
  const bridgePort = await freePort();
  const workerMetricsPort = await freePort();
  const env = processEnv({
    serversEnv: { ...temporal.env, ...alerts.env },
    taskQueue,
    pubsubHost: pubsub.host,
    bigqueryHost: bigquery.host,
    bridgePort,
    workerMetricsPort,
    dir,
    extraEnv,
  });
  const spec = (name: string) => ({ ...processSpecs().find((s) => s.name === name)!, env });
  const [worker, bridge] = await Promise.all([
    supervise(spec('worker'), dir, /"msg":"worker started"/),
    supervise(spec('bridge'), dir, /"msg":"bridge started"/),
  ]);
  try {
    await Promise.all([worker.ready(), bridge.ready()]);
  } catch (error) {
    await Promise.all([worker.stop(), bridge.stop(), pubsub.stop(), bigquery.stop(), temporal.stop(), alerts.close()]);
    const tails = [worker, bridge].map((p) => `${p.name}.log ends: ${lastLine(p.logFile)}`).join('\n  ');
    throw new Error(`${errorMessage(error)}\n  ${tails}`);
  }
  const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });

  const replicas: Replica[] = [];
  // Ctrl-C must not leave servers behind: they run in process groups of their own.
  const onSignal = (signal: NodeJS.Signals) => {
    const processes = [worker, bridge, ...replicas].map((p) => p.stop());
    void Promise.allSettled([...processes, pubsub.stop(), bigquery.stop(), temporal.stop()]).finally(() =>
      process.exit(signal === 'SIGINT' ? 130 : 143),
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  return {
    dir,
    taskQueue,
    pushUrl: `http://127.0.0.1:${bridgePort}/pubsub/push`,
    bridgeUrl: `http://127.0.0.1:${bridgePort}`,
    workerMetricsUrl: `http://127.0.0.1:${workerMetricsPort}`,
    temporal,
    pubsub,
    bigquery,
    alerts,
    client,
    worker,
    bridge,
    env,
    async replica(of, name, extra = {}, waitForStart = true) {
      const port = await freePort();
      const ports = of === 'bridge' ? { BRIDGE_PORT: String(port) } : { WORKER_METRICS_PORT: String(port) };
      const base = processSpecs().find((s) => s.name === of)!;
      const started = of === 'bridge' ? /"msg":"bridge started"/ : /"msg":"worker started"/;
      const supervised = await supervise({ ...base, name, env: { ...env, ...ports, ...extra } }, dir, started);
      const replica: Replica = { ...supervised, url: `http://127.0.0.1:${port}` };
      replicas.push(replica);
      if (waitForStart) await supervised.ready();
      return replica;
    },
    async killTemporal() {
      const { child } = temporal.service;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
      await temporal.start();
    },
    async close() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await Promise.all([worker, bridge, ...replicas].map((p) => p.stop()));
      await client.connection.close();
      await Promise.all([pubsub.stop(), bigquery.stop(), temporal.stop(), alerts.close()]);
    },
  };
}

const lastLine = (file: string): string =>
  fs.existsSync(file) ? (fs.readFileSync(file, 'utf8').trim().split('\n').pop() ?? '') : '(no log)';
