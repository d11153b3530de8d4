// Temporal's client connection from config, in a module of its own so that a command that only
// talks to Temporal (`pipeline status`) does not load the Google Cloud clients.
import { Client, Connection } from '@temporalio/client';
import type { Config } from './config';

/** Address and credentials for the client and the worker alike (from @temporalio/envconfig in config.ts). */
export function temporalConnectionOptions(config: Config) {
  return config.temporal.connection;
}

export async function connectTemporal(config: Config): Promise<Connection> {
  return Connection.connect(temporalConnectionOptions(config));
}

export function temporalClient(config: Config, connection: Connection): Client {
  return new Client({ connection, namespace: config.temporal.namespace });
}
