// Inputs the bridge can never accept. Each must come out on the dead-letter review subscription
// with a `dead_letter_reason` — never be signalled, never loop as nack after nack.
import { addDays } from '../../src/time';

export interface PoisonCase {
  name: string;
  /** What the reason must look like (DESIGN.md names the prefixes). */
  reason: RegExp;
  /** `pubsub` publishes it to a completion topic; `push` posts it to the bridge's push endpoint. */
  via: 'pubsub' | 'push';
  data: Buffer;
  attributes?: Record<string, string>;
  /** Push only: the whole HTTP body, when the envelope itself is the poison; it carries `token`. */
  body?: (token: string) => string;
}

export const PHASE2_TOPIC = 'nba-phase2-raw-complete';
const anyPermanent = /^(invalid|oversized|rejected|future):/;
const invalid = /^invalid:/;

const completion = (gameDate: string, extra: Record<string, unknown> = {}) => ({
  processor_name: 'BdlGamesProcessor',
  phase: 'phase_2_raw',
  execution_id: `poison-${gameDate}`,
  correlation_id: `poison-${gameDate}`,
  game_date: gameDate,
  status: 'success',
  ...extra,
});
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/**
 * The catalogue. Cases that are well-formed apart from their poison get a date of their own
 * (`dates`, past, unused), so one wrongly accepted starts no run another scenario watches.
 */
export function poisonCases(dates: readonly string[], today: string, token: string): PoisonCase[] {
  const date = (i: number) => dates[i]!;
  const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
  return [
    {
      name: 'correlation_id of 3 KiB',
      via: 'pubsub',
      reason: anyPermanent,
      data: json(completion(date(0), { correlation_id: 'c'.repeat(3072) })),
    },
    {
      name: '101 attributes',
      via: 'pubsub',
      reason: anyPermanent,
      data: json(completion(date(1))),
      attributes: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`attribute_${i}`, token])),
    },
    { name: 'game_date 2025-02-30', via: 'pubsub', reason: invalid, data: json(completion('2025-02-30')) },
    { name: 'game_date not a date', via: 'pubsub', reason: invalid, data: json(completion('tomorrow')) },
    { name: 'game_date 45 days ahead', via: 'pubsub', reason: /^future:/, data: json(completion(addDays(today, 45))) },
    { name: 'game_date 9999-12-31', via: 'pubsub', reason: /^future:/, data: json(completion('9999-12-31')) },
    { name: 'invalid UTF-8', via: 'pubsub', reason: invalid, data: invalidUtf8(completion(date(2))) },
    {
      name: 'JSON nested 5,000 deep',
      via: 'pubsub',
      reason: anyPermanent,
      data: Buffer.from(JSON.stringify(completion(date(3))).replace(/}$/, `,"metadata":${deep}}`)),
    },
    { name: 'not JSON', via: 'pubsub', reason: invalid, data: Buffer.from(`this is not JSON ${token}`) },
    { name: 'JSON but not an object', via: 'pubsub', reason: invalid, data: Buffer.from('[1,2,3]') },
    {
      name: 'unknown processor',
      via: 'pubsub',
      reason: invalid,
      data: json(completion(date(4), { processor_name: 'NoSuchProcessor' })),
    },
    {
      name: 'phase of another topic',
      via: 'pubsub',
      reason: invalid,
      data: json(completion(date(5), { phase: 'phase_3_analytics' })),
    },
    {
      name: 'message of 70 KiB',
      via: 'pubsub',
      reason: /^oversized:/,
      data: json(completion(date(6), { error_message: 'x'.repeat(70 * 1024) })),
    },
    {
      name: 'empty data, attributes only',
      via: 'pubsub',
      reason: invalid,
      data: Buffer.alloc(0),
      attributes: { note: token },
    },
    { name: 'push: data not JSON', via: 'push', reason: invalid, data: Buffer.from(`push poison ${token}`) },
    {
      name: 'push: envelope not JSON',
      via: 'push',
      reason: anyPermanent,
      data: Buffer.alloc(0),
      body: (t) => `not an envelope ${t}`,
    },
    {
      name: 'push: envelope without messageId',
      via: 'push',
      reason: anyPermanent,
      data: Buffer.alloc(0),
      body: (t) =>
        JSON.stringify({ subscription: pushSubscription, message: { data: Buffer.from(t).toString('base64') } }),
    },
  ];
}

export const pushSubscription = `projects/nba-props-platform/subscriptions/${PHASE2_TOPIC}-orchestrator`;

/** A well-formed completion whose correlation_id carries bytes that are not UTF-8. */
function invalidUtf8(message: Record<string, unknown>): Buffer {
  const [before, after] = JSON.stringify(message).split(String(message.correlation_id));
  return Buffer.concat([Buffer.from(`${before}poison-`), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(after!)]);
}
