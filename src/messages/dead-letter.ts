// The dead-letter topic: every message the bridge could not accept. The original bytes travel
// unchanged as the data (so it can be replayed as it was); why, and from where, as attributes.
// A dead letter must itself always be publishable — else the message it carries would loop — so
// the original attributes are trimmed to Pub/Sub's limits, and the dead letter says so.
import { byteLength, pubsubLimits, truncateBytes } from './limits';

/** A Pub/Sub message as it arrived, by pull or push. */
export interface IncomingMessage {
  topic: string;
  id: string;
  data: Buffer;
  attributes: Record<string, string>;
  /** Pub/Sub's count of deliveries, this one included; 0 or absent without a dead-letter policy. */
  deliveryAttempt?: number;
}

/** A message the bridge could not accept, and why: it goes to the dead-letter topic unchanged. */
export interface Rejected {
  message: IncomingMessage;
  reason: string;
  /** The push subscription it came through, when the topic could not be told (an invalid envelope). */
  subscription?: string;
}

export type DeadLetter = (rejected: Rejected) => Promise<void>;

/** Attribute names every dead letter carries (reason, source topic, source message id) and what was trimmed. */
export const deadLetterAttributes = {
  reason: 'dead_letter_reason',
  sourceTopic: 'source_topic',
  sourceMessageId: 'source_message_id',
  sourceSubscription: 'source_subscription',
  receivedAt: 'dead_letter_received_at',
  /** Present when some of the original attributes were dropped or cut to fit Pub/Sub's limits. */
  attributesTrimmed: 'dead_letter_attributes_trimmed',
  /** Present when the data was cut to fit Pub/Sub's message size: the original size in bytes. */
  dataTruncated: 'dead_letter_data_truncated',
} as const;

const ours = new Set<string>(Object.values(deadLetterAttributes));

export interface DeadLetterMessage {
  data: Buffer;
  attributes: Record<string, string>;
}

/** The dead letter for `rejected`, within Pub/Sub's limits however the original looked. */
export function deadLetterMessage(
  { message, reason, subscription }: Rejected,
  receivedAt: Date,
  { keepOriginalAttributes = true } = {},
): DeadLetterMessage {
  const value = (text: string) => truncateBytes(text, pubsubLimits.attributeValueBytes);
  const own: Record<string, string> = { [deadLetterAttributes.reason]: value(reason) };
  if (message.topic) own[deadLetterAttributes.sourceTopic] = value(message.topic);
  if (message.id) own[deadLetterAttributes.sourceMessageId] = value(message.id);
  if (subscription) own[deadLetterAttributes.sourceSubscription] = value(subscription);
  own[deadLetterAttributes.receivedAt] = receivedAt.toISOString();

  const original = Object.entries(message.attributes);
  const room = pubsubLimits.attributesPerMessage - Object.keys(own).length - 2; // the two trim markers
  const kept: Record<string, string> = {};
  let dropped = 0;
  let cut = 0;
  for (const [key, text] of keepOriginalAttributes ? original : []) {
    const publishable =
      key.length > 0 &&
      byteLength(key) <= pubsubLimits.attributeKeyBytes &&
      !key.startsWith(pubsubLimits.reservedAttributePrefix);
    if (!publishable || ours.has(key) || Object.keys(kept).length >= room) {
      dropped += 1;
      continue;
    }
    const trimmed = value(text);
    if (trimmed !== text) cut += 1;
    kept[key] = trimmed;
  }
  if (!keepOriginalAttributes) dropped = original.length;

  const attributes: Record<string, string> = { ...kept, ...own };
  if (dropped > 0 || cut > 0) {
    attributes[deadLetterAttributes.attributesTrimmed] =
      `${original.length} original attributes: ${dropped} dropped, ${cut} values cut to ${pubsubLimits.attributeValueBytes} bytes ` +
      `(Pub/Sub allows ${pubsubLimits.attributesPerMessage} attributes, keys of ${pubsubLimits.attributeKeyBytes} bytes not starting with "goog")`;
  }
  const attributeBytes = Object.entries(attributes).reduce((sum, [k, v]) => sum + byteLength(k) + byteLength(v), 0);
  const dataRoom = pubsubLimits.messageBytes - attributeBytes - 1024; // headroom for the marker below
  if (message.data.length <= dataRoom) return { data: message.data, attributes };
  attributes[deadLetterAttributes.dataTruncated] = String(message.data.length);
  return { data: message.data.subarray(0, dataRoom), attributes };
}
