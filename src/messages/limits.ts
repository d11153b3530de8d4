// The sizes the bridge checks before it asks anyone, in one place: Pub/Sub's and Temporal's hard
// limits, and our own caps on the completion fields that become search attributes, ids or keys.
// A message over any of them would fail the same way on every delivery, so it is dead-lettered at
// once with a reason that names the limit.

/** Google Cloud Pub/Sub's quotas (cloud.google.com/pubsub/quotas); pstest enforces none of them. */
export const pubsubLimits = {
  /** Data plus attributes of one message. */
  messageBytes: 10_000_000,
  attributesPerMessage: 100,
  attributeKeyBytes: 256,
  attributeValueBytes: 1024,
  /** Attribute keys starting with this are Google's. */
  reservedAttributePrefix: 'goog',
  /** The longest ack deadline a modAck may set. */
  maxAckDeadlineSeconds: 600,
  /** The range a subscription's dead-letter policy accepts for max_delivery_attempts. */
  deadLetterAttempts: { min: 5, max: 100 },
  /** The largest push body Pub/Sub can send: a 10 MB message in base64 (13.4 MB), attributes escaped. */
  pushBodyBytes: 16 * 1024 * 1024,
} as const;

/** The Temporal server's defaults (dynamic config `limit.*`) that a signal-with-start runs into. */
export const temporalLimits = {
  /** `limit.blobSize.error`: one payload (the signal's completion). */
  blobBytes: 2 * 1024 * 1024,
  /** `limit.searchAttributesSizeOfValue`. */
  searchAttributeValueBytes: 2 * 1024,
} as const;

/**
 * Completion fields that become search attributes, workflow ids or state keys, and fields of every
 * trigger. Far above anything a processor sends (a UUID is 36 bytes), far below Temporal's limits,
 * so the reason names our cap and what the field becomes.
 */
export const completionFieldCaps: Readonly<Record<string, { maxBytes: number; becomes: string }>> = {
  correlation_id: { maxBytes: 256, becomes: 'the CorrelationId search attribute and every trigger' },
  execution_id: { maxBytes: 256, becomes: 'a key in the run state (and CorrelationId without correlation_id)' },
  processor_name: { maxBytes: 256, becomes: 'a key in the run state' },
  phase: { maxBytes: 256, becomes: 'checked against the topic' },
  game_date: { maxBytes: 256, becomes: 'the workflow id and the GameDate search attribute' },
};

/** Defaults for redelivery: shared by the bridge's config and the subscriptions' retry policy. */
export const deliveryDefaults = {
  /** A message that failed this many deliveries is dead-lettered as `exhausted:`. */
  maxDeliveries: 50,
  /** Backoff before a failed message is delivered again: doubles from min to max per delivery. */
  minBackoffSeconds: 1,
  maxBackoffSeconds: 300,
} as const;

/**
 * The subscriptions' dead-letter policy sits above the bridge's own cap, so the bridge's reasoned
 * `exhausted:` dead letter normally wins; Pub/Sub's forwarding (no reason) is the backstop for a
 * bridge that crashes on the message every time.
 */
export function deadLetterPolicyAttempts(maxDeliveries: number): number {
  const { min, max } = pubsubLimits.deadLetterAttempts;
  return Math.min(max, Math.max(min, maxDeliveries + 10));
}

export const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

/** `text` cut to at most `max` bytes of UTF-8 (never in the middle of a character), `…` marking a cut. */
export function truncateBytes(text: string, max: number): string {
  if (byteLength(text) <= max) return text;
  const ellipsis = '…';
  let cut = Buffer.from(text, 'utf8')
    .subarray(0, max - byteLength(ellipsis))
    .toString('utf8');
  // A character cut in half decodes as U+FFFD at the end: drop it.
  while (cut.endsWith('\uFFFD') || byteLength(cut) > max - byteLength(ellipsis)) cut = cut.slice(0, -1);
  return `${cut}${ellipsis}`;
}
