// Temporal's namespace retention against how long a date's messages can still arrive. A closed date
// is also recorded in BigQuery, so a shorter retention is survivable; the warning says what it costs.
import type { Client } from '@temporalio/client';
import Long from 'long';
import type { Logger } from 'pino';
import { pipeline } from '../../pipeline/definition';

/** Pub/Sub keeps an unacknowledged message this long (the bridge's subscriptions keep the default). */
export const PUBSUB_MESSAGE_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** How long a closed run's history must stay: a run's whole life plus a message's. */
export const RETENTION_NEEDED_MS = pipeline.lifetime.maxOpenDuration + PUBSUB_MESSAGE_RETENTION_MS;

export async function namespaceRetentionMs(client: Client, namespace: string): Promise<number | undefined> {
  const { config } = await client.workflowService.describeNamespace({ namespace });
  const ttl = config?.workflowExecutionRetentionTtl;
  return ttl ? Number(ttl.seconds ?? 0) * 1000 + Math.floor((ttl.nanos ?? 0) / 1e6) : undefined;
}

export async function warnOnShortRetention(client: Client, namespace: string, log: Logger): Promise<void> {
  const retention = await namespaceRetentionMs(client, namespace);
  if (retention === undefined || retention >= RETENTION_NEEDED_MS) return;
  log.warn(
    { namespace, retention_days: retention / 86_400_000, needed_days: RETENTION_NEEDED_MS / 86_400_000 },
    "namespace retention is shorter than a run's lifetime plus Pub/Sub's message retention: closed dates are then known from the run history in BigQuery only",
  );
}

/** Sets the retention to what is needed (the local dev server's namespace starts with one day). */
export async function ensureRetention(client: Client, namespace: string): Promise<void> {
  const retention = await namespaceRetentionMs(client, namespace);
  if (retention !== undefined && retention >= RETENTION_NEEDED_MS) return;
  await client.workflowService.updateNamespace({
    namespace,
    config: { workflowExecutionRetentionTtl: { seconds: Long.fromNumber(RETENTION_NEEDED_MS / 1000) } },
  });
}
