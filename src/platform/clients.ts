// Clients for the outside world, built from config: the local emulators or the real services.
import { PubSub } from '@google-cloud/pubsub';
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

export { connectTemporal, temporalClient, temporalConnectionOptions } from './temporal-connection';
