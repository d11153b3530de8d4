// Turns one Pub/Sub message into a verdict: ack once Temporal accepted the signal (or the message
// was dead-lettered with its reason), nack when something transient failed so Pub/Sub redelivers.
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { parseCompletion } from '../messages/completion';
import { signalCompletion } from './signal';

export interface IncomingMessage {
  topic: string;
  id: string;
  data: Buffer;
  attributes: Record<string, string>;
}

export type Verdict = 'ack' | 'nack';

/** A message the bridge could not accept, and why: it goes to the dead-letter topic unchanged. */
export interface Rejected {
  message: IncomingMessage;
  reason: string;
}

export interface HandlerOptions {
  client: Client;
  taskQueue: string;
  maxMessageBytes: number;
  /** Resolves once the dead-letter topic has the message. */
  deadLetter: (rejected: Rejected) => Promise<void>;
  /** How long to wait for Temporal before treating the attempt as failed. */
  signalTimeoutMs?: number;
  log: Logger;
}

export function createHandler(options: HandlerOptions): (message: IncomingMessage) => Promise<Verdict> {
  const { client, taskQueue, maxMessageBytes, log } = options;
  const signalTimeoutMs = options.signalTimeoutMs ?? 10_000;

  async function reject(message: IncomingMessage, reason: string): Promise<Verdict> {
    try {
      await options.deadLetter({ message, reason });
    } catch (error) {
      log.error({ err: error, topic: message.topic, message_id: message.id, reason }, 'dead-letter publish failed; will redeliver');
      return 'nack';
    }
    log.warn({ topic: message.topic, message_id: message.id, reason }, 'message dead-lettered');
    return 'ack';
  }

  return async function handle(message) {
    if (message.data.length > maxMessageBytes) {
      return reject(message, `oversized: ${message.data.length} bytes exceeds the ${maxMessageBytes}-byte limit`);
    }
    const parsed = parseCompletion(message.data.toString('utf8'), message.topic, message.id);
    if (!parsed.ok) return reject(message, `invalid: ${parsed.reason}`);
    const completion = parsed.value;
    const fields = {
      topic: message.topic,
      message_id: message.id,
      game_date: completion.gameDate,
      processor: completion.processor,
      status: completion.status,
      correlation_id: completion.correlationId,
    };

    try {
      const deadline = Date.now() + signalTimeoutMs;
      const delivered = await client.connection.withDeadline(deadline, () =>
        signalCompletion(client, taskQueue, completion),
      );
      if (delivered.outcome === 'late') {
        return reject(message, `late: ${delivered.workflowId} has closed; a rerun is an explicit command`);
      }
      log.info({ ...fields, workflow_id: delivered.workflowId }, 'completion signalled');
      return 'ack';
    } catch (error) {
      log.warn({ ...fields, err: error }, 'Temporal did not accept the signal; will redeliver');
      return 'nack';
    }
  };
}
