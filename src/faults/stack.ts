// The fault suite's own stack on free ports: the Temporal dev server (SQLite file), the Pub/Sub
// emulator, bqemulator, and the real `pipeline worker` and `pipeline bridge` processes under a
// supervisor. Everything lives in one temporary directory; logs are kept there for a post-mortem.
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ensureTopology } from '../infra/topology';
import {
  freePort,
  startBigQueryEmulator,
  startDevServer,
  tempDir,
  type BigQueryEmulator,
  type DevServer,
} from '../stack/ephemeral';
import { processSpecs } from '../stack/local';
import { startPubSubServer, type PubSubServer } from './pubsub-server';
import { supervise, type Supervised } from './supervisor';
import { errorMessage } from '../errors';

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
  bigquery: BigQueryEmulator;
  client: Client;
  worker: Supervised;
  bridge: Supervised;
  /** kill -9 of the Temporal dev server, then a restart on the same port and SQLite file. */
  killTemporal(): Promise<void>;
  close(): Promise<void>;
}

/** `extraEnv` goes to the worker and the bridge (a test that turns tracing on, say). */
export async function startFaultStack(extraEnv: Record<string, string> = {}): Promise<FaultStack> {
  const dir = tempDir('faults');
  const [temporal, pubsub, bigquery] = await Promise.all([
    startDevServer(dir),
    startPubSubServer(dir),
    startBigQueryEmulator(dir),
  ]);
  await ensureTopology(pubsub.pubsub);

  const taskQueue = 'faults';
  const bridgePort = await freePort();
  const workerMetricsPort = await freePort();
  const env = {
    ...temporal.env,
    TEMPORAL_TASK_QUEUE: taskQueue,
    PUBSUB_EMULATOR_HOST: pubsub.host,
    BIGQUERY_EMULATOR_HOST: bigquery.host,
    BRIDGE_PORT: String(bridgePort),
    // Pull and push both: the poison scenario posts to the push endpoint too.
    BRIDGE_PUSH: 'true',
    WORKER_METRICS_PORT: String(workerMetricsPort),
    EXPORT_DIR: path.join(dir, 'exports'),
    // The suite reads the processes' logs: "trigger published", "worker started", "bridge started".
    LOG_LEVEL: 'info',
    ...extraEnv,
  };
  const spec = (name: string) => ({ ...processSpecs().find((s) => s.name === name)!, env });
  const [worker, bridge] = await Promise.all([
    supervise(spec('worker'), dir, /"msg":"worker started"/),
    supervise(spec('bridge'), dir, /"msg":"bridge started"/),
  ]);
  try {
    await Promise.all([worker.ready(), bridge.ready()]);
  } catch (error) {
    await Promise.all([worker.stop(), bridge.stop(), pubsub.stop(), bigquery.stop(), temporal.stop()]);
    const tails = [worker, bridge].map((p) => `${p.name}.log ends: ${lastLine(p.logFile)}`).join('\n  ');
    throw new Error(`${errorMessage(error)}\n  ${tails}`);
  }
  const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });

  // Ctrl-C must not leave servers behind: they run in process groups of their own.
  const onSignal = (signal: NodeJS.Signals) => {
    void Promise.allSettled([worker.stop(), bridge.stop(), pubsub.stop(), bigquery.stop(), temporal.stop()]).finally(
      () => process.exit(signal === 'SIGINT' ? 130 : 143),
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
    client,
    worker,
    bridge,
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
      await Promise.all([worker.stop(), bridge.stop()]);
      await client.connection.close();
      await Promise.all([pubsub.stop(), bigquery.stop(), temporal.stop()]);
    },
  };
}

const lastLine = (file: string): string =>
  fs.existsSync(file) ? (fs.readFileSync(file, 'utf8').trim().split('\n').pop() ?? '') : '(no log)';
