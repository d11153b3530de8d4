// Publishing dead letters: the format (src/messages/dead-letter.ts), within Pub/Sub's limits whatever
// the original carried.
import type { PubSub } from '@google-cloud/pubsub';
import { pipeline } from '../pipeline/definition';
import { grpcStatus } from '../platform/grpc';
import { deadLetterMessage, type DeadLetter } from '../messages/dead-letter';

export function deadLetterPublisher(pubsub: PubSub, now: () => Date = () => new Date()): DeadLetter {
  // One message per request, and 10 s in all (retries included): a failed publish nacks the
  // message rather than hold its flow-control slot for the client's default 10 minutes.
  const topic = pubsub.topic(pipeline.topics.deadLetter, {
    batching: { maxMessages: 1 },
    gaxOpts: { timeout: 10_000 },
  });
  return async (rejected) => {
    const receivedAt = now();
    try {
      await topic.publishMessage(deadLetterMessage(rejected, receivedAt));
    } catch (error) {
      // Refused for something in the original attributes we did not foresee: publish without them.
      if ((error as { code?: unknown }).code !== grpcStatus.INVALID_ARGUMENT) throw error;
      await topic.publishMessage(deadLetterMessage(rejected, receivedAt, { keepOriginalAttributes: false }));
    }
  };
}
