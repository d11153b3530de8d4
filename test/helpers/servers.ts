// Real servers for tests, started from the binaries scripts/setup.sh installed. Nothing downloads.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { allTopics, completionTopics } from '../../src/pipeline/definition';
import { searchAttributeDefinitions } from '../../src/workflows/search-attributes';
import { SearchAttributeType } from '@temporalio/common';

export const root = path.resolve(__dirname, '../..');
export const tools = {
  temporal: path.join(root, '.tools/venv/bin/temporal'),
  testServer: path.join(root, '.tools/venv/bin/temporal-test-server'),
  pubsubEmulator: path.join(root, '.tools/bin/pubsub-emulator'),
};
export const workflowsPath = require.resolve('../../src/workflows');

function requireTool(file: string): string {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run scripts/setup.sh (npm test does)`);
  return file;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const attributeTypes = {
  Keyword: SearchAttributeType.KEYWORD,
  Bool: SearchAttributeType.BOOL,
} as const;

// The operator API takes the protobuf enum values: KEYWORD = 2, BOOL = 5.
const indexedValueTypes = { Keyword: 2, Bool: 5 } as const;

/** The time-skipping test server, with our search attributes registered. */
export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: requireTool(tools.testServer) } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      Object.entries(searchAttributeDefinitions).map(([name, type]) => [name, indexedValueTypes[type]]),
    ),
  });
  return env;
}

/** The Temporal dev server (SQLite in memory unless `dbFilename`), with our search attributes. */
export function devServerEnvironment(options: { dbFilename?: string; port?: number } = {}): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: requireTool(tools.temporal) },
      ip: '127.0.0.1',
      port: options.port,
      dbFilename: options.dbFilename,
      ui: false,
      searchAttributes: Object.entries(searchAttributeDefinitions).map(([name, type]) => ({
        name,
        type: attributeTypes[type],
      })),
    },
  });
}

export interface PubSubEmulator {
  host: string;
  pubsub: PubSub;
  stop(): Promise<void>;
}

/** Our Go pstest server on a free port, with every pipeline topic created. */
export async function startPubSubEmulator(projectId = 'nba-props-platform'): Promise<PubSubEmulator> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const child = spawn(requireTool(tools.pubsubEmulator), ['--address', host], { stdio: 'ignore' });
  await waitForPort(port);
  const pubsub = new PubSub({ projectId, servicePath: '127.0.0.1', port, emulatorMode: true });
  await Promise.all(allTopics.map((t) => pubsub.createTopic(t)));
  return {
    host,
    pubsub,
    async stop() {
      await pubsub.close();
      await stopProcess(child);
    },
  };
}

export { completionTopics };

export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
