// Streaming pull on every completion topic, with flow control. A nack waits a growing backoff
// first, so an outage upstream slows the bridge down instead of spinning on redeliveries.
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import type { Logger } from 'pino';
import type { IncomingMessage, Verdict } from './handler';

export interface PullOptions {
  maxOutstanding: number;
  /** Longest wait before a failed message is handed back for redelivery. */
  maxBackoffMs?: number;
  log: Logger;
}

export const subscriptionFor = (topic: string): string => `${topic}-orchestrator`;

export function pullAll(
  pubsub: PubSub,
  topics: readonly string[],
  handle: (message: IncomingMessage) => Promise<Verdict>,
  { maxOutstanding, maxBackoffMs = 30_000, log }: PullOptions,
): { close(): Promise<void> } {
  let failuresInARow = 0;
  const backoffMs = () => Math.min(maxBackoffMs, 250 * 2 ** Math.min(failuresInARow, 7));

  const subscriptions: Subscription[] = topics.map((topic) => {
    const subscription = pubsub.subscription(subscriptionFor(topic), {
      flowControl: { maxMessages: maxOutstanding, allowExcessMessages: false },
    });
    subscription.on('message', (message: Message) => {
      void handle({ topic, id: message.id, data: message.data, attributes: message.attributes ?? {} }).then(
        (verdict) => settle(message, verdict),
        (error: unknown) => {
          log.error({ err: error, topic, message_id: message.id }, 'handler failed');
          settle(message, 'nack');
        },
      );
    });
    subscription.on('error', (error) => log.error({ err: error, topic }, 'subscription error'));
    return subscription;
  });

  function settle(message: Message, verdict: Verdict): void {
    if (verdict === 'ack') {
      failuresInARow = 0;
      message.ack();
      return;
    }
    failuresInARow += 1;
    setTimeout(() => message.nack(), backoffMs()).unref();
  }

  return {
    async close() {
      await Promise.all(subscriptions.map((s) => s.close()));
    },
  };
}
