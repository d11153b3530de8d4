// Reading the dead letters kept on `nba-orchestrator-dead-letter-review` without consuming them.
// Every letter pulled is handed straight back (ack deadline 0) unless the caller holds it to replay,
// so a listing never hides letters from the health check or another reader. Held letters have their
// ack deadlines extended while they are held (a replay of thousands takes longer than one deadline),
// then are acknowledged once replayed or handed back.
import { v1, type PubSub } from '@google-cloud/pubsub';
import type { google } from '@google-cloud/pubsub/build/protos/protos';
import { grpcStatus } from '../platform/grpc';
import { deadLetterAttributes } from '../messages/dead-letter';
import { errorMessage } from '../platform/errors';
import { bridgeTopics } from '../pipeline/definition';
import { deadLetterReviewSubscription } from '../pipeline/ids';

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
}

export interface DeadLetterReview {
  /** Every letter read, held or not, oldest first. */
  letters: ReviewedDeadLetter[];
  /** The letters held for the caller (ack deadlines kept extended until `finish`). */
  held: ReviewedDeadLetter[];
  /** Acknowledges these held letters now (done with for good). */
  acknowledge(done: ReviewedDeadLetter[]): Promise<void>;
  /** Hands every held letter not acknowledged back to the subscription, and closes. */
  finish(): Promise<void>;
}

export interface ReviewOptions {
  /** Letters to hold (to replay them); everything else is handed back as soon as it is read. */
  hold?: (letter: ReviewedDeadLetter) => boolean;
  /** How long one pull waits for messages before the subscription counts as read. Default 5 s. */
  pullWaitMs?: number;
  /** How long each extension holds a letter. Default 60 s, renewed every 20 s. */
  holdSeconds?: number;
}

const ours = new Set<string>(Object.values(deadLetterAttributes));
const BATCH = 500;
const MAX_LETTERS = 20_000;
/** Rounds that bring only letters already read before the subscription counts as read. */
const ROUNDS_WITHOUT_NEWS = 3;

/** Reads the whole review subscription; see ReviewOptions.hold for what stays held. */
export async function openDeadLetterReview(pubsub: PubSub, options: ReviewOptions = {}): Promise<DeadLetterReview> {
  const subscriber = subscriberClient(pubsub);
  const subscription = pubsub.subscription(deadLetterReviewSubscription).name;
  const hold = options.hold ?? (() => false);
  const pullWaitMs = options.pullWaitMs ?? 5000;
  const holdSeconds = options.holdSeconds ?? 60;
  const letters = new Map<string, ReviewedDeadLetter>();
  /** Held letters' latest ack ids, by letter id. */
  const held = new Map<string, string>();

  const modAck = async (ackIds: string[], ackDeadlineSeconds: number) => {
    for (let i = 0; i < ackIds.length; i += BATCH) {
      await subscriber.modifyAckDeadline({ subscription, ackIds: ackIds.slice(i, i + BATCH), ackDeadlineSeconds });
    }
  };
  let extending: Promise<void> | undefined;
  const keeper = setInterval(
    () => {
      extending ??= modAck([...held.values()], holdSeconds)
        .catch(() => undefined)
        .finally(() => (extending = undefined));
    },
    (holdSeconds * 1000) / 3,
  );

  const close = async () => {
    clearInterval(keeper);
    await extending;
    await subscriber.close();
  };

  try {
    let roundsWithoutNews = 0;
    while (letters.size < MAX_LETTERS && roundsWithoutNews < ROUNDS_WITHOUT_NEWS) {
      const received = await pull(subscriber, subscription, pullWaitMs);
      if (received.length === 0) break; // waited and nothing came: all read
      const { fresh, handBack, newlyHeld } = sortReceived(received, letters, held, hold);
      await modAck(handBack, 0);
      await modAck(newlyHeld, holdSeconds);
      roundsWithoutNews = fresh === 0 ? roundsWithoutNews + 1 : 0;
    }
  } catch (error) {
    await modAck([...held.values()], 0).catch(() => undefined);
    await close();
    throw error;
  }

  const all = [...letters.values()].sort((a, b) => a.publishedAt.localeCompare(b.publishedAt));
  return {
    letters: all,
    held: all.filter((l) => held.has(l.id)),
    async acknowledge(done) {
      const ackIds = done.flatMap((l) => held.get(l.id) ?? []);
      for (let i = 0; i < ackIds.length; i += BATCH) {
        await subscriber.acknowledge({ subscription, ackIds: ackIds.slice(i, i + BATCH) });
      }
      for (const letter of done) held.delete(letter.id);
    },
    async finish() {
      try {
        clearInterval(keeper);
        await extending;
        await modAck([...held.values()], 0);
        held.clear();
      } finally {
        await close();
      }
    },
  };
}

type ReceivedMessage = google.pubsub.v1.IReceivedMessage;

/** A low-level subscriber on the same server as `pubsub`: the emulator's address and credentials, when it is one. */
function subscriberClient(pubsub: PubSub): v1.SubscriberClient {
  const { port, ...clientOptions } = pubsub.options;
  return new v1.SubscriberClient({
    ...clientOptions,
    port: port === undefined ? undefined : Number(port),
  });
}

/**
 * Files one pull's messages: new letters join `letters`, held ones record their latest ack id in
 * `held`. Returns how many letters were new, and the ack ids to hand back and to hold.
 */
function sortReceived(
  received: ReceivedMessage[],
  letters: Map<string, ReviewedDeadLetter>,
  held: Map<string, string>,
  hold: (letter: ReviewedDeadLetter) => boolean,
): { fresh: number; handBack: string[]; newlyHeld: string[] } {
  let fresh = 0;
  const handBack: string[] = [];
  const newlyHeld: string[] = [];
  for (const { ackId, message } of received) {
    if (!ackId || !message?.messageId) continue;
    const known = letters.get(message.messageId);
    const letter = known ?? toLetter(message);
    if (!known) {
      fresh += 1;
      letters.set(letter.id, letter);
    }
    if (hold(letter)) {
      held.set(letter.id, ackId);
      newlyHeld.push(ackId);
    } else handBack.push(ackId);
  }
  return { fresh, handBack, newlyHeld };
}

/** One pull that waits for messages; a wait that ends with none is an empty batch, not an error. */
async function pull(subscriber: v1.SubscriberClient, subscription: string, waitMs: number): Promise<ReceivedMessage[]> {
  try {
    const [response] = await subscriber.pull({ subscription, maxMessages: BATCH }, { timeout: waitMs });
    return response.receivedMessages ?? [];
  } catch (error) {
    if ((error as { code?: unknown }).code === grpcStatus.DEADLINE_EXCEEDED) return [];
    throw error;
  }
}

function toLetter(message: google.pubsub.v1.IPubsubMessage): ReviewedDeadLetter {
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
  };
}

/** Why a letter cannot be replayed, or undefined: only to the topics the pipeline consumes. */
export function notReplayableBecause(letter: ReviewedDeadLetter): string | undefined {
  if (!letter.sourceTopic) return 'no source_topic attribute';
  if (!bridgeTopics.includes(letter.sourceTopic)) return 'its source_topic is not a topic the pipeline consumes';
  return undefined;
}

export interface ReplayOutcome {
  replayed: ReviewedDeadLetter[];
  notReplayable: { letter: ReviewedDeadLetter; why: string }[];
}

/**
 * Publishes each held letter's original bytes and attributes to its original topic (with
 * `replayed_dead_letter_id`) and acknowledges it; a letter that cannot be replayed, or whose publish
 * fails (say its topic no longer exists), stays on the subscription and the rest go on.
 * `dryRun`: says what would be replayed and publishes nothing.
 */
export async function replayDeadLetters(
  pubsub: PubSub,
  review: DeadLetterReview,
  { dryRun = false }: { dryRun?: boolean } = {},
): Promise<ReplayOutcome> {
  const replayed: ReviewedDeadLetter[] = [];
  const notReplayable: ReplayOutcome['notReplayable'] = [];
  try {
    const replayable = review.held.filter((letter) => {
      const why = notReplayableBecause(letter);
      if (why) notReplayable.push({ letter, why });
      return !why;
    });
    if (dryRun) return { replayed: replayable, notReplayable };
    for (let i = 0; i < replayable.length; i += 100) {
      const chunk = replayable.slice(i, i + 100);
      const published = await Promise.allSettled(
        chunk.map((letter) =>
          pubsub.topic(letter.sourceTopic!).publishMessage({
            data: letter.data,
            attributes: { ...letter.originalAttributes, replayed_dead_letter_id: letter.id },
          }),
        ),
      );
      const done = chunk.filter((letter, n) => {
        const result = published[n]!;
        if (result.status === 'rejected')
          notReplayable.push({ letter, why: `publish failed: ${errorMessage(result.reason)}` });
        return result.status === 'fulfilled';
      });
      // Acknowledged as each chunk is published: a replay cut short republishes at most one chunk.
      await review.acknowledge(done);
      replayed.push(...done);
    }
  } finally {
    await review.finish();
  }
  return { replayed, notReplayable };
}

/**
 * Every letter in the review subscription, each once, without consuming any: pulled messages are
 * handed straight back (ack deadline 0), so they stay for whoever reviews them. Stops when a pull
 * brings nothing new (at most 20 pulls of 1,000).
 */
export async function peekDeadLetters(pubsub: PubSub): Promise<google.pubsub.v1.IPubsubMessage[]> {
  const subscriber = subscriberClient(pubsub);
  const subscription = pubsub.subscription(deadLetterReviewSubscription).name;
  const seen = new Map<string, google.pubsub.v1.IPubsubMessage>();
  try {
    for (let round = 0; round < 20; round += 1) {
      const [response] = await subscriber.pull({ subscription, maxMessages: 1000 }, { timeout: 10_000 });
      const received = response.receivedMessages ?? [];
      const ackIds = received.map((m) => m.ackId).filter((id): id is string => !!id);
      let fresh = 0;
      for (const { message } of received) {
        const id = message?.messageId ?? '';
        if (!message || seen.has(id)) continue;
        seen.set(id, message);
        fresh += 1;
      }
      if (ackIds.length > 0) await subscriber.modifyAckDeadline({ subscription, ackIds, ackDeadlineSeconds: 0 });
      if (fresh === 0) break;
    }
  } finally {
    await subscriber.close();
  }
  return [...seen.values()];
}
