// How the local stack and the tests run bqemulator (PyPI, DuckDB-backed), installed by scripts/setup.sh.
import path from 'node:path';
import { projectRoot } from '../../src/platform/paths';
import type { ServiceSpec } from './services';

const root = projectRoot;

export const bqemulatorBinary = path.join(root, '.tools/venv/bin/bqemulator');

/**
 * The emulator's HOME. bqemulator refuses to start without DuckDB's spatial extension and would
 * download it into $HOME/.duckdb; setup.sh installs the copy PyPI ships (duckdb-extension-spatial) here.
 */
export const duckdbHome = path.join(root, '.tools/duckdb-home');

export interface BigQueryEmulatorOptions {
  host: string;
  port: number;
  project: string;
  /** Holds bqemulator.duckdb: tables and rows survive restarts. */
  dataDir: string;
}

export function bigqueryEmulatorSpec(o: BigQueryEmulatorOptions): ServiceSpec {
  return {
    name: 'bigquery',
    command: bqemulatorBinary,
    args: [
      'start',
      '--rest-host',
      o.host,
      '--rest-port',
      String(o.port),
      // We use REST only; a random gRPC (Storage API) port cannot collide with anything.
      '--grpc-port',
      '0',
      '--project',
      o.project,
      '--persistent',
      '--data-dir',
      o.dataDir,
      '--log-level',
      'warning',
    ],
    // No avro extension either: it is only for Avro load jobs, and loading it means a download attempt.
    env: { HOME: duckdbHome, BQEMU_ENABLE_FORMAT_EXTENSIONS: 'false' },
    port: o.port,
  };
}
