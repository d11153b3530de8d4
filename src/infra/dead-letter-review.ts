// Reading the dead letters kept on `nba-orchestrator-dead-letter-review` without consuming them:
// everything on the subscription is pulled and held, then each message is either acknowledged
// (replayed, so done with) or handed back at once (ack deadline 0) for the next reader.
import { v1, type PubSub } from '@google-cloud/pubsub';
import type { google } from '@google-cloud/pubsub/build/protos/protos';
import { deadLetterAttributes } from '../bridge/dead-letter';
import { deadLetterReviewSubscription } from './topology';

export interface ReviewedDeadLetter {
  /** The dead letter's own Pub/Sub message id. */
  id: string;
  publishedAt: string;
  reason: string;
  sourceTopic: string | null;
  sourceMessageId: string | null;
  /** The original message's attributes (the dead letter's own removed). */
  originalAttributes: Record<string, string>;
  data: Buffer;
  ackId: string;
}

export interface DeadLetterReview {
  letters: ReviewedDeadLetter[];
  /** Acknowledges `done` for good and hands every other letter back to the subscription. */
  finish(done?: ReviewedDeadLetter[]): Promise<void>;
}

const ours = new Set<string>(Object.values(deadLetterAttributes));
const PULL_BATCH = 500;
const MAX_LETTERS = 20_000;

/** Pulls everything on the review subscription (held, not consumed) until a pull comes back empty. */
export async function openDeadLetterReview(pubsub: PubSub): Promise<DeadLetterReview> {
  const { port, ...options } = pubsub.options; // the emulator's address and credentials, when it is one
  const subscriber = new v1.SubscriberClient({ ...options, port: port === undefined ? undefined : Number(port) });
  const subscription = pubsub.subscription(deadLetterReviewSubscription).name;
  const letters = new Map<string, ReviewedDeadLetter>();
  try {
    while (letters.size < MAX_LETTERS) {
      const [response] = await subscriber.pull(
        { subscription, maxMessages: PULL_BATCH, returnImmediately: true },
        { timeout: 30_000 },
      );
      const received = response.receivedMessages ?? [];
      if (received.length === 0) break;
      for (const { ackId, message } of received) {
        if (!ackId || !message?.messageId) continue;
        letters.set(message.messageId, toLetter(ackId, message));
      }
    }
  } catch (error) {
    await handBack(subscriber, subscription, [...letters.values()]);
    await subscriber.close();
    throw error;
  }
  const all = [...letters.values()].sort((a, b) => a.publishedAt.localeCompare(b.publishedAt));
  return {
    letters: all,
    async finish(done = []) {
      try {
        const ackIds = done.map((l) => l.ackId);
        if (ackIds.length > 0) await subscriber.acknowledge({ subscription, ackIds });
        await handBack(
          subscriber,
          subscription,
          all.filter((l) => !done.includes(l)),
        );
      } finally {
        await subscriber.close();
      }
    },
  };
}

async function handBack(subscriber: v1.SubscriberClient, subscription: string, letters: ReviewedDeadLetter[]) {
  for (let i = 0; i < letters.length; i += PULL_BATCH) {
    const ackIds = letters.slice(i, i + PULL_BATCH).map((l) => l.ackId);
    await subscriber.modifyAckDeadline({ subscription, ackIds, ackDeadlineSeconds: 0 });
  }
}

type PulledMessage = google.pubsub.v1.IPubsubMessage;

function toLetter(ackId: string, message: PulledMessage): ReviewedDeadLetter {
  const attributes: Record<string, string> = message.attributes ?? {};
  const seconds = Number(message.publishTime?.seconds ?? 0);
  const nanos = message.publishTime?.nanos ?? 0;
  return {
    id: message.messageId!,
    publishedAt: new Date(seconds * 1000 + Math.floor(nanos / 1e6)).toISOString(),
    reason: attributes[deadLetterAttributes.reason] ?? '(no reason)',
    sourceTopic: attributes[deadLetterAttributes.sourceTopic] ?? null,
    sourceMessageId: attributes[deadLetterAttributes.sourceMessageId] ?? null,
    originalAttributes: Object.fromEntries(Object.entries(attributes).filter(([key]) => !ours.has(key))),
    data: Buffer.from(message.data ?? new Uint8Array()),
    ackId,
  };
}

/**
 * Publishes each letter's original bytes and attributes to its original topic (with
 * `replayed_dead_letter_id`), then acknowledges it; letters with no source topic stay.
 */
export async function replayDeadLetters(
  pubsub: PubSub,
  review: DeadLetterReview,
  chosen: ReviewedDeadLetter[],
): Promise<{ replayed: ReviewedDeadLetter[]; notReplayable: ReviewedDeadLetter[] }> {
  const replayed: ReviewedDeadLetter[] = [];
  const notReplayable: ReviewedDeadLetter[] = [];
  try {
    for (const letter of chosen) {
      if (!letter.sourceTopic) {
        notReplayable.push(letter);
        continue;
      }
      await pubsub.topic(letter.sourceTopic).publishMessage({
        data: letter.data,
        attributes: { ...letter.originalAttributes, replayed_dead_letter_id: letter.id },
      });
      replayed.push(letter);
    }
  } finally {
    await review.finish(replayed);
  }
  return { replayed, notReplayable };
}
