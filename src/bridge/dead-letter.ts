// The dead-letter topic: every message the bridge could not accept. The original bytes travel
// unchanged as the data (so it can be replayed as it was); why, and from where, as attributes.
import type { PubSub } from '@google-cloud/pubsub';
import { pipeline } from '../pipeline/definition';
import type { Rejected } from './handler';

/** Pub/Sub caps an attribute value at 1024 bytes. */
const MAX_ATTRIBUTE_BYTES = 1024;

export const deadLetterAttributes = {
  reason: 'dead_letter_reason',
  sourceTopic: 'dead_letter_source_topic',
  sourceMessageId: 'dead_letter_source_message_id',
  receivedAt: 'dead_letter_received_at',
} as const;

export function deadLetterPublisher(pubsub: PubSub): (rejected: Rejected) => Promise<void> {
  const topic = pubsub.topic(pipeline.topics.deadLetter, { batching: { maxMessages: 1 } });
  return async ({ message, reason }) => {
    await topic.publishMessage({
      data: message.data,
      attributes: {
        ...message.attributes,
        [deadLetterAttributes.reason]: truncateBytes(reason, MAX_ATTRIBUTE_BYTES),
        [deadLetterAttributes.sourceTopic]: message.topic,
        [deadLetterAttributes.sourceMessageId]: message.id,
        [deadLetterAttributes.receivedAt]: new Date().toISOString(),
      },
    });
  };
}

function truncateBytes(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= max ? text : `${bytes.subarray(0, max - 3).toString('utf8').replace(/\uFFFD$/, '')}...`;
}
