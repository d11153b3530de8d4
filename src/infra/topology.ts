// Creates the pipeline's topics and the bridge's subscriptions when they are missing.
import type { PubSub } from '@google-cloud/pubsub';
import { allTopics, completionTopics } from '../pipeline/definition';
import { subscriptionFor } from '../bridge/pull';

const ALREADY_EXISTS = 6;

async function ignoreExisting(create: Promise<unknown>): Promise<void> {
  try {
    await create;
  } catch (error) {
    if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
  }
}

export async function ensureTopology(pubsub: PubSub): Promise<void> {
  await Promise.all(allTopics.map((topic) => ignoreExisting(pubsub.createTopic(topic))));
  await Promise.all(
    completionTopics.map((topic) =>
      ignoreExisting(pubsub.topic(topic).createSubscription(subscriptionFor(topic), { ackDeadlineSeconds: 60 })),
    ),
  );
}
