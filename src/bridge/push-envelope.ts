// The push envelope Pub/Sub POSTs around each message: read into an IncomingMessage or a reason.
// Only the envelope is judged here; the message data is the handler's.
import { z } from 'zod';
import { isObject, parseJson } from '../messages/parse';
import { bridgeTopics } from '../pipeline/definition';
import type { IncomingMessage } from './handler';
import { subscriptionFor } from '../pipeline/ids';

export type EnvelopeResult =
  | { ok: true; message: IncomingMessage }
  /** `foreign`: it names a subscription that is not one of the bridge's own; nothing in it is trusted. */
  | { ok: false; reason: string; subscription?: string; message_id?: string; foreign?: true };

// One source for the naming rule: subscriptionFor('') is the suffix alone.
const SUBSCRIPTION_SUFFIX = subscriptionFor('');
const SUBSCRIPTION_PATH = /^projects\/[^/]+\/subscriptions\/([^/]+)$/;
const SUBSCRIPTION_SHAPE = `projects/<project>/subscriptions/<topic>${SUBSCRIPTION_SUFFIX}`;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * `projects/<p>/subscriptions/<topic>-orchestrator` → `<topic>` when `<topic>` is one the bridge
 * consumes; otherwise undefined. The topic decides where a dead letter would be replayed, so a
 * sender never chooses it.
 */
export function topicFromSubscription(subscription: string): string | undefined {
  const shortName = SUBSCRIPTION_PATH.exec(subscription)?.[1];
  if (!shortName?.endsWith(SUBSCRIPTION_SUFFIX)) return undefined;
  const topic = shortName.slice(0, -SUBSCRIPTION_SUFFIX.length);
  return bridgeTopics.includes(topic) ? topic : undefined;
}

const notStringAttributes = 'message.attributes is not an object of strings';
const pushEnvelopeSchema = z.object({
  subscription: z.string({ error: 'envelope has no subscription' }),
  // Present when the subscription has a dead-letter policy; a malformed count is ignored, not fatal.
  deliveryAttempt: z.number().int().positive().optional().catch(undefined),
  message: z.object(
    {
      messageId: z.string().min(1).optional(),
      message_id: z.string().min(1).optional(),
      // Pub/Sub allows attribute-only messages: empty data goes on to the handler, which dead-letters it.
      data: z.string().regex(BASE64, 'message.data is not a base64 string').default(''),
      attributes: z
        .record(z.string(), z.string({ error: notStringAttributes }), { error: notStringAttributes })
        .default({}),
    },
    { error: 'envelope has no message object' },
  ),
});

/** Reads a push envelope. Only the envelope is judged here; the message data is the handler's. */
export function parseEnvelope(body: string): EnvelopeResult {
  const parsedJson = parseJson(body);
  if (!parsedJson.ok) return { ok: false, reason: `body is ${parsedJson.reason}` };
  const json = parsedJson.value;
  const parsed = pushEnvelopeSchema.safeParse(json, { reportInput: true });
  const subscription = isObject(json) && typeof json.subscription === 'string' ? json.subscription : undefined;
  const message_id = messageIdOf(json);
  if (subscription !== undefined && topicFromSubscription(subscription) === undefined) {
    return {
      ok: false,
      foreign: true,
      subscription,
      message_id,
      reason: `subscription ${JSON.stringify(subscription)} is not one of the bridge's (${SUBSCRIPTION_SHAPE}, for a topic it consumes)`,
    };
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const reason = issue?.path.length === 0 ? 'envelope is not a JSON object' : (issue?.message ?? 'invalid envelope');
    return { ok: false, reason, subscription, message_id };
  }
  const { message, deliveryAttempt } = parsed.data;
  const topic = topicFromSubscription(parsed.data.subscription)!;
  const id = message.messageId ?? message.message_id;
  if (!id) return { ok: false, subscription, reason: 'message has no messageId' };
  return {
    ok: true,
    message: {
      topic,
      id,
      data: Buffer.from(message.data, 'base64'),
      attributes: message.attributes,
      ...(deliveryAttempt === undefined ? {} : { deliveryAttempt }),
    },
  };
}

function messageIdOf(json: unknown): string | undefined {
  const message = isObject(json) ? json.message : undefined;
  if (!isObject(message)) return undefined;
  const id = message.messageId ?? message.message_id;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}
