// Throwaway servers on free ports, for tests and benchmarks: the same binaries and flags as the
// local stack, with state in a temporary directory.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { BigQuery } from '@google-cloud/bigquery';
import { PubSub } from '@google-cloud/pubsub';
import { createBigQuery, ensureSchema } from '../../src/platform/bigquery';
import { bigqueryEmulatorSpec, bqemulatorBinary } from './bigquery-emulator';
import { emulatorAuth } from '../../src/platform/clients';
import { ensureTopology } from '../../src/platform/infra/topology';
import { binaries, pubsubEmulatorSpec, temporalServerSpec } from './local';
import { startService, type RunningService } from './services';

export function requireTool(file: string): string {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run scripts/setup.sh (npm test does)`);
  return file;
}

/**
 * A port nothing listens on, for a server that binds it a few seconds later. Picked at random below
 * the kernel's ephemeral range (32768+): the kernel hands those out to every outgoing connection and
 * `listen(0)`, so one could be taken in the meantime, and test files starting servers side by side
 * would otherwise be handed the same few ports.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

export interface DevServer {
  address: string;
  /** Its HTTP API (what `pipeline status` asks first). */
  httpUrl: string;
  /** The variables that point the processes and the CLI at it. */
  env: { TEMPORAL_ADDRESS: string; TEMPORAL_HTTP_URL: string };
  service: RunningService;
  /** Stops it; `start` again brings it back on the same port and SQLite file. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** The Temporal dev server (headless, SQLite file), exactly as the local stack runs it. */
export async function startDevServer(dir: string): Promise<DevServer> {
  requireTool(binaries.temporal);
  const httpPort = await freePort();
  const spec = temporalServerSpec({
    host: '127.0.0.1',
    port: await freePort(),
    httpPort,
    namespace: 'default',
    dbFile: path.join(dir, 'temporal.sqlite'),
  });
  const server: DevServer = {
    address: `127.0.0.1:${spec.port}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    env: { TEMPORAL_ADDRESS: `127.0.0.1:${spec.port}`, TEMPORAL_HTTP_URL: `http://127.0.0.1:${httpPort}` },
    service: await startService(spec, dir),
    stop: () => server.service.stop(),
    async start() {
      server.service = await startService(spec, dir);
    },
  };
  return server;
}

export interface PubSubEmulator {
  host: string;
  pubsub: PubSub;
  stop(): Promise<void>;
}

/** Our Go pstest server on a free port, with the pipeline's topics and subscriptions. */
export async function startPubSubEmulator(dir: string, projectId = 'nba-props-platform'): Promise<PubSubEmulator> {
  requireTool(binaries.pubsubEmulator);
  const port = await freePort();
  const service = await startService(pubsubEmulatorSpec('127.0.0.1', port), dir);
  const pubsub = new PubSub({ projectId, apiEndpoint: `127.0.0.1:${port}`, emulatorMode: true, auth: emulatorAuth() });
  await ensureTopology(pubsub);
  return {
    host: `127.0.0.1:${port}`,
    pubsub,
    async stop() {
      await pubsub.close();
      await service.stop();
    },
  };
}

export interface BigQueryEmulator {
  /** For BIGQUERY_EMULATOR_HOST. */
  host: string;
  bigquery: BigQuery;
  stop(): Promise<void>;
}

/** bqemulator on a free port, its DuckDB file in `dir`, with the pipeline's tables. */
/** With `schema: false`, no dataset at all (what a project looks like before `pipeline init`). */
export async function startBigQueryEmulator(
  dir: string,
  projectId = 'nba-props-platform',
  options: { schema?: boolean } = {},
): Promise<BigQueryEmulator> {
  requireTool(bqemulatorBinary);
  const port = await freePort();
  const service = await startService(
    bigqueryEmulatorSpec({ host: '127.0.0.1', port, project: projectId, dataDir: path.join(dir, 'bigquery') }),
    dir,
  );
  const host = `http://127.0.0.1:${port}`;
  const bigquery = createBigQuery({ gcpProject: projectId, bigqueryEmulatorHost: host });
  if (options.schema !== false) await ensureSchema(bigquery);
  return { host, bigquery, stop: () => service.stop() };
}
