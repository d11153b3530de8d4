// Creates the pipeline's topics and subscriptions when they are missing, and brings existing
// subscriptions to the configuration below: the bridge's `<topic>-orchestrator` subscriptions with a
// retry policy, a dead-letter policy and no expiration (the off-season is longer than Pub/Sub's
// default 31 idle days), and `nba-orchestrator-dead-letter-review`, which keeps dead letters for a
// week (a topic with no subscription drops what is published to it).
import type { PubSub, SubscriptionMetadata } from '@google-cloud/pubsub';
import { grpcStatus } from '../grpc';
import { deadLetterPolicyAttempts, deliveryDefaults } from '../../messages/limits';
import { subscriptionFor } from '../../pipeline/ids';
import { allTopics, bridgeTopics, pipeline } from '../../pipeline/definition';
import { deadLetterReviewSubscription } from '../../pipeline/ids';

export interface TopologyOptions {
  /** The bridge's delivery cap: the dead-letter policy allows a few more (limits.ts). */
  maxDeliveries?: number;
  /** The retry policy's backoff between redeliveries. */
  minBackoffSeconds?: number;
  maxBackoffSeconds?: number;
}

const WEEK_SECONDS = 7 * 24 * 3600;
// An expiration policy without a ttl: the subscription never expires.
const neverExpires = { expirationPolicy: {} };

/** The configuration of the bridge's subscription on `topic` (the fields ensureTopology keeps current). */
export function orchestratorSubscriptionConfig(pubsub: PubSub, options: TopologyOptions = {}): SubscriptionMetadata {
  const {
    maxDeliveries = deliveryDefaults.maxDeliveries,
    minBackoffSeconds = deliveryDefaults.minBackoffSeconds,
    maxBackoffSeconds = deliveryDefaults.maxBackoffSeconds,
  } = options;
  return {
    retryPolicy: { minimumBackoff: { seconds: minBackoffSeconds }, maximumBackoff: { seconds: maxBackoffSeconds } },
    deadLetterPolicy: {
      deadLetterTopic: pubsub.topic(pipeline.topics.deadLetter).name,
      maxDeliveryAttempts: deadLetterPolicyAttempts(maxDeliveries),
    },
    ...neverExpires,
  };
}

export const reviewSubscriptionConfig: SubscriptionMetadata = {
  messageRetentionDuration: { seconds: WEEK_SECONDS },
  ...neverExpires,
};

const codeOf = (error: unknown) => (error as { code?: unknown }).code;

/** Creates `name` on `topic` with `metadata`, or updates an existing one to it. */
async function ensureSubscription(
  pubsub: PubSub,
  topic: string,
  name: string,
  metadata: SubscriptionMetadata,
): Promise<void> {
  try {
    await pubsub.topic(topic).createSubscription(name, { ackDeadlineSeconds: 60, ...metadata });
  } catch (error) {
    if (codeOf(error) !== grpcStatus.ALREADY_EXISTS) throw error;
    await pubsub.subscription(name).setMetadata(metadata);
  }
}

export async function ensureTopology(pubsub: PubSub, options: TopologyOptions = {}): Promise<void> {
  await Promise.all(
    allTopics.map(async (topic) => {
      try {
        await pubsub.createTopic(topic);
      } catch (error) {
        if (codeOf(error) !== grpcStatus.ALREADY_EXISTS) throw error;
      }
    }),
  );
  const orchestrator = orchestratorSubscriptionConfig(pubsub, options);
  await Promise.all([
    ensureSubscription(pubsub, pipeline.topics.deadLetter, deadLetterReviewSubscription, reviewSubscriptionConfig),
    ...bridgeTopics.map((topic) => ensureSubscription(pubsub, topic, subscriptionFor(topic), orchestrator)),
  ]);
}

/** What a running process cannot do without: it checks these exist at start, and creates none of them. */
export interface NeededResources {
  process: string;
  topics: readonly string[];
  subscriptions: readonly string[];
}

/** A resource missing, or one the process may not even look at: the message names it and the fix. */
export class MissingResourceError extends Error {
  constructor(problems: string[]) {
    super(`cannot start:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'MissingResourceError';
  }
}

/**
 * Checks that every topic and subscription `needs` names exists (pubsub.topics.get and
 * pubsub.subscriptions.get: roles/pubsub.viewer). Throws a MissingResourceError naming each one
 * missing or unreadable, and the role it takes; creates nothing (that is `pipeline init`'s).
 */
export async function checkTopology(pubsub: PubSub, needs: NeededResources): Promise<void> {
  const look = async (kind: 'topic' | 'subscription', name: string): Promise<string | undefined> => {
    try {
      const [exists] = kind === 'topic' ? await pubsub.topic(name).exists() : await pubsub.subscription(name).exists();
      return exists ? undefined : `${kind} ${name} does not exist (pipeline init creates it)`;
    } catch (error) {
      if (codeOf(error) === grpcStatus.PERMISSION_DENIED) {
        return `${kind} ${name}: permission denied; the ${needs.process}'s service account needs roles/pubsub.viewer on project ${pubsub.projectId}`;
      }
      throw error;
    }
  };
  const problems = await Promise.all([
    ...needs.topics.map((t) => look('topic', t)),
    ...needs.subscriptions.map((s) => look('subscription', s)),
  ]);
  const missing = problems.filter((p): p is string => p !== undefined);
  if (missing.length > 0) throw new MissingResourceError(missing);
}
