// What the orchestrator publishes, seen from outside: a subscription of our own on every outgoing
// topic (created before anything is published), and the dead-letter review subscription.
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import { deadLetterAttributes } from '../../src/messages/dead-letter';
import { deadLetterReviewSubscription } from '../../src/pipeline/ids';
import { pipeline } from '../../src/pipeline/definition';
import { workerPublishTopics } from '../../src/platform/infra/iam';

/** What the worker publishes, dead letters aside (those are read from the review subscription). */
export const observedTopics: readonly string[] = workerPublishTopics.filter(
  (topic) => topic !== pipeline.topics.deadLetter,
);

export interface Observed {
  topic: string;
  /** Pub/Sub's id: a redelivery to us repeats it, a republish by the orchestrator does not. */
  messageId: string;
  at: number;
  data: Buffer;
  attributes: Record<string, string>;
  triggerId?: string;
  /** When the orchestrator decided to fire: a second decision has another timestamp. */
  timestamp?: string;
  gameDate?: string;
}

/** One trigger on one topic: `<topic> <trigger_id>`. */
export type TriggerKey = string;
export const triggerKey = (topic: string, triggerId: string): TriggerKey => `${topic} ${triggerId}`;

export interface Observer {
  triggers: Observed[];
  deadLetters: Observed[];
  /**
   * Stops reading the review subscription, so a `pipeline dead-letters replay` finds the letters
   * there (the observer would take them first); `readDeadLetters` starts again.
   */
  holdDeadLetters(): Promise<void>;
  readDeadLetters(): void;
  /** Subscribes again, after a Pub/Sub restart made the server forget our subscriptions. */
  resubscribe(): Promise<void>;
  close(): Promise<void>;
}

const ALREADY_EXISTS = 6;

async function createSubscription(pubsub: PubSub, topic: string, name: string): Promise<void> {
  try {
    await pubsub.topic(topic).createSubscription(name, { ackDeadlineSeconds: 60 });
  } catch (error) {
    if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
  }
}

/** The review subscription on the dead-letter topic, should the bridge not have re-created it yet. */
const ensureReviewSubscription = (pubsub: PubSub): Promise<void> =>
  createSubscription(pubsub, pipeline.topics.deadLetter, deadLetterReviewSubscription);

export async function observe(pubsub: PubSub): Promise<Observer> {
  const triggers: Observed[] = [];
  const deadLetters: Observed[] = [];
  let subscriptions: Subscription[] = [];
  let review: Subscription | undefined;

  function listen(name: string, topic: string, into: Observed[]): Subscription {
    const subscription = pubsub.subscription(name, { flowControl: { maxMessages: 1000 } });
    subscription.on('message', (message: Message) => {
      message.ack();
      into.push(observed(topic, message));
    });
    // The server restarting under us is one of the faults; resubscribe() picks up after it.
    subscription.on('error', () => undefined);
    return subscription;
  }

  async function subscribe(): Promise<void> {
    await ensureReviewSubscription(pubsub);
    await Promise.all(observedTopics.map((topic) => createSubscription(pubsub, topic, `faults-observer-${topic}`)));
    review = listen(deadLetterReviewSubscription, pipeline.topics.deadLetter, deadLetters);
    subscriptions = [...observedTopics.map((topic) => listen(`faults-observer-${topic}`, topic, triggers)), review];
  }

  await subscribe();
  return {
    triggers,
    deadLetters,
    async holdDeadLetters() {
      const held = review;
      subscriptions = subscriptions.filter((s) => s !== held);
      review = undefined;
      await held?.close();
    },
    readDeadLetters() {
      if (review) return;
      review = listen(deadLetterReviewSubscription, pipeline.topics.deadLetter, deadLetters);
      subscriptions.push(review);
    },
    async resubscribe() {
      await Promise.all(subscriptions.map((s) => s.close().catch(() => undefined)));
      await subscribe();
    },
    async close() {
      await Promise.all(subscriptions.map((s) => s.close().catch(() => undefined)));
    },
  };
}

function observed(topic: string, message: Message): Observed {
  const attributes = message.attributes ?? {};
  const seen: Observed = { topic, messageId: message.id, at: Date.now(), data: message.data, attributes };
  if (topic === pipeline.topics.deadLetter) return seen;
  try {
    const body = JSON.parse(message.data.toString('utf8')) as Record<string, unknown>;
    const text = (key: string) => {
      const value = body[key];
      return typeof value === 'string' ? value : undefined;
    };
    return {
      ...seen,
      triggerId: text('trigger_id') ?? attributes.trigger_id,
      timestamp: text('timestamp'),
      gameDate: text('game_date') ?? text('target_date'),
    };
  } catch {
    return seen;
  }
}

export const deadLetterReason = (letter: Observed): string | undefined =>
  letter.attributes[deadLetterAttributes.reason];
export const deadLetterSourceId = (letter: Observed): string | undefined =>
  letter.attributes[deadLetterAttributes.sourceMessageId];
