// Publishing triggers to Pub/Sub. Returns only once Pub/Sub has confirmed the message.
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { Context } from '@temporalio/activity';
import type { TriggerRequest } from '../messages/trigger';
import { log } from '../platform/log';
import { tagActiveSpan } from '../platform/telemetry/span';

/**
 * The client gives up on a publish (all its own retries included) after this long, below the
 * activity's start-to-close timeout: a publish Temporal has given up on is never still in flight.
 */
export const PUBLISH_TIMEOUT_MS = 20_000;
const HEARTBEAT_EVERY_MS = 2_000;

export function createPublishActivities(pubsub: PubSub) {
  const topics = new Map<string, Topic>();
  const topic = (name: string): Topic => {
    let t = topics.get(name);
    if (!t) {
      t = pubsub.topic(name, { batching: { maxMessages: 1 }, gaxOpts: { timeout: PUBLISH_TIMEOUT_MS } });
      topics.set(name, t);
    }
    return t;
  };

  return {
    async publishTrigger({ topic: name, message }: TriggerRequest): Promise<string> {
      const context = Context.current();
      tagActiveSpan({
        game_date: message.game_date,
        correlation_id: message.correlation_id,
        trigger_id: message.trigger_id,
      });
      const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        const published = topic(name).publishMessage({
          json: message,
          attributes: { trigger_id: message.trigger_id, phase: message.phase, game_date: message.game_date },
        });
        // On cancellation stop waiting at once; the trigger id lets consumers drop a late copy.
        const messageId = await Promise.race([published, context.cancelled]);
        log.info(
          {
            topic: name,
            trigger_id: message.trigger_id,
            game_date: message.game_date,
            correlation_id: message.correlation_id,
            message_id: messageId,
          },
          'trigger published',
        );
        return messageId;
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}

export type PublishActivities = ReturnType<typeof createPublishActivities>;
