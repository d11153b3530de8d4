// Clients for the outside world, built from config: the local emulators or the real services.
import { PubSub } from '@google-cloud/pubsub';
import { Client, Connection } from '@temporalio/client';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import type { Config } from './config';

export function createPubSub(config: Config): PubSub {
  const host = config.pubsubEmulatorHost;
  if (!host) return new PubSub({ projectId: config.gcpProject });
  return new PubSub({ projectId: config.gcpProject, apiEndpoint: host, emulatorMode: true, auth: emulatorAuth() });
}

/** Emulators take no credentials; without this the client probes for a GCE metadata server first. */
export function emulatorAuth(): GoogleAuth {
  return new GoogleAuth({ authClient: new OAuth2Client() });
}

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
