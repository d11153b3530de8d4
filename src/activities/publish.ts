// Publishing triggers to Pub/Sub. Returns only once Pub/Sub has confirmed the message.
import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { TriggerRequest } from '../messages/trigger';
import { log } from '../log';

export function createPublishActivities(pubsub: PubSub) {
  const topics = new Map<string, Topic>();
  const topic = (name: string): Topic => {
    let t = topics.get(name);
    if (!t) {
      t = pubsub.topic(name, { batching: { maxMessages: 1 } });
      topics.set(name, t);
    }
    return t;
  };

  return {
    async publishTrigger({ topic: name, message }: TriggerRequest): Promise<string> {
      const messageId = await topic(name).publishMessage({
        json: message,
        attributes: { trigger_id: message.trigger_id, phase: message.phase, game_date: message.game_date },
      });
      log.info(
        { topic: name, trigger_id: message.trigger_id, game_date: message.game_date, correlation_id: message.correlation_id, message_id: messageId },
        'trigger published',
      );
      return messageId;
    },
  };
}
