// How commands reach the servers. Each client is loaded when a command first uses it, so a command
// starts with only what it needs (`pipeline status` often needs no client at all: status-http.ts).
import type { BigQuery } from '@google-cloud/bigquery';
import type { PubSub } from '@google-cloud/pubsub';
import type { Client } from '@temporalio/client';
import { loadProcessConfig } from '../platform/config';
import { errorMessage } from '../platform/errors';
import { UnreachableError } from './usage';

export async function withTemporal<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const config = loadProcessConfig();
  const { connectTemporal, temporalClient } = await import('../platform/temporal-connection');
  let connection;
  try {
    connection = await connectTemporal(config);
  } catch (error) {
    throw new UnreachableError(
      `cannot reach Temporal at ${config.temporal.address} (is the stack running? npm start): ${errorMessage(error)}`,
    );
  }
  try {
    return await run(temporalClient(config, connection));
  } finally {
    await connection.close();
  }
}

export async function withPubSub<T>(run: (pubsub: PubSub) => Promise<T>): Promise<T> {
  const { createPubSub } = await import('../platform/clients');
  const pubsub = createPubSub(loadProcessConfig());
  try {
    return await run(pubsub);
  } finally {
    await pubsub.close();
  }
}

/** The run history in BigQuery. */
export async function runHistory(): Promise<BigQuery> {
  const { createBigQuery } = await import('../platform/bigquery');
  return createBigQuery(loadProcessConfig());
}
