// The local stack on its embedded defaults (127.0.0.1, the ports `npm start` prints, state under
// .data/): servers first, then worker and bridge.
import path from 'node:path';
import { projectRoot } from '../../src/platform/paths';
import { bigqueryEmulatorSpec } from './bigquery-emulator';
import type { Config } from '../../src/platform/config';
import { searchAttributeDefinitions } from '../../src/temporal/search-attributes';
import type { ServiceSpec } from './services';

export const root = projectRoot;
export const dataDir = path.join(root, '.data');
export const logDir = path.join(dataDir, 'logs');

export const binaries = {
  temporal: path.join(root, '.tools/venv/bin/temporal'),
  temporalTestServer: path.join(root, '.tools/venv/bin/temporal-test-server'),
  pubsubEmulator: path.join(root, '.tools/bin/pubsub-emulator'),
};

const cli = path.join(root, 'bin/pipeline.js');

export function hostPort(address: string): { host: string; port: number } {
  const [host = '127.0.0.1', port] = address.replace(/^https?:\/\//, '').split(':');
  return { host, port: Number(port) };
}

export const temporalUiPort = 8233;

export interface TemporalServerOptions {
  host: string;
  port: number;
  namespace: string;
  dbFile: string;
  /** Web UI port; absent: headless. */
  uiPort?: number;
  /** The HTTP API's port (what `pipeline status` asks first); absent: the gRPC port + 10. */
  httpPort?: number;
}

export function temporalServerSpec(o: TemporalServerOptions): ServiceSpec {
  return {
    name: 'temporal',
    command: binaries.temporal,
    args: [
      'server',
      'start-dev',
      '--ip',
      o.host,
      '--port',
      String(o.port),
      ...(o.uiPort === undefined ? ['--headless'] : ['--ui-port', String(o.uiPort)]),
      '--http-port',
      String(o.httpPort ?? o.port + 10),
      '--namespace',
      o.namespace,
      '--db-filename',
      o.dbFile,
      '--log-level',
      'warn',
      ...Object.entries(searchAttributeDefinitions).flatMap(([name, type]) => [
        '--search-attribute',
        `${name}=${type}`,
      ]),
    ],
    port: o.port,
  };
}

export function pubsubEmulatorSpec(host: string, port: number): ServiceSpec {
  return { name: 'pubsub', command: binaries.pubsubEmulator, args: ['--address', `${host}:${port}`], port };
}

export function serverSpecs(config: Config): ServiceSpec[] {
  const temporal = hostPort(config.temporal.address);
  const pubsub = hostPort(config.pubsubEmulatorHost ?? '127.0.0.1:8085');
  return [
    temporalServerSpec({
      ...temporal,
      namespace: config.temporal.namespace,
      dbFile: path.join(dataDir, 'temporal.sqlite'),
      uiPort: temporalUiPort,
    }),
    pubsubEmulatorSpec(pubsub.host, pubsub.port),
    ...(config.bigqueryEmulatorHost
      ? [
          bigqueryEmulatorSpec({
            ...hostPort(config.bigqueryEmulatorHost),
            project: config.gcpProject,
            dataDir: path.join(dataDir, 'bigquery'),
          }),
        ]
      : []),
  ];
}

export function processSpecs(): ServiceSpec[] {
  return [
    { name: 'worker', command: process.execPath, args: [cli, 'worker'] },
    { name: 'bridge', command: process.execPath, args: [cli, 'bridge'] },
  ];
}
