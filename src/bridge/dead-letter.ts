// The dead-letter topic: every message the bridge could not accept, with the reason.
import type { PubSub } from '@google-cloud/pubsub';
import { pipeline } from '../pipeline/definition';
import type { DeadLetter } from './handler';

export function deadLetterPublisher(pubsub: PubSub): (letter: DeadLetter) => Promise<void> {
  const topic = pubsub.topic(pipeline.topics.deadLetter, { batching: { maxMessages: 1 } });
  return async (letter) => {
    await topic.publishMessage({
      json: letter,
      attributes: { reason: letter.reason.split(':')[0] ?? 'invalid', source_topic: letter.source_topic },
    });
  };
}
