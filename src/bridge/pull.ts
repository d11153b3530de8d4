// Streaming pull on every completion topic, with flow control. A failed message never holds a
// flow-control slot while it waits: it is handed back at once, and its next delivery is spaced by
// the subscription's retry policy (Pub/Sub), or it is held for its backoff and handed back then
// (the emulator, which ignores retry policies and redelivers a nack at once). A subscription that
// is lost is re-created (pull-subscriptions.ts).
import { Duration, type Message, type PubSub, type Subscription, type SubscriberOptions } from '@google-cloud/pubsub';
import type { Logger } from 'pino';
import type { Handle, IncomingMessage, Verdict } from './handler';
import { InFlight } from './in-flight';
import { PullSubscriptions } from './pull-subscriptions';
import { pubsubLimits } from '../messages/limits';
import { errorMessage } from '../platform/errors';
import { subscriptionFor } from '../pipeline/ids';

/**
 * How a nacked message waits for its next delivery.
 * - `retry-policy`: nack at once; the subscription's retry policy spaces redeliveries (Pub/Sub).
 * - `ack-deadline`: hold the message, leased and without a flow-control slot, for the backoff, then
 *   nack it; it comes back then (pstest, which ignores retry policies and redelivers a nack at once).
 */
export type Redelivery = 'retry-policy' | 'ack-deadline';

export interface PullOptions {
  maxOutstanding: number;
  redelivery: Redelivery;
  /** Readies the topology before resubscribing: the bridge checks it; a MissingResourceError exits at once. */
  readyTopology: () => Promise<void>;
  /** Called once when resubscribing has kept failing for `giveUpAfterMs`: exit non-zero. */
  onFatal: (error: Error) => void;
  /** Default 5 minutes. */
  giveUpAfterMs?: number;
  /** First wait before resubscribing, doubling per failed try up to 30 s. Default 1 s. */
  resubscribeBackoffMs?: number;
  /** On close, how long to wait for the messages held to be acked or nacked. Default 20 s. */
  drainMs?: number;
  /** How often to check that every subscription still exists. Default 30 s. */
  checkEveryMs?: number;
  log: Logger;
}

export interface Pulling {
  /** Every topic has a live subscription (for /readyz). */
  subscribed(): boolean;
  /** Stops pulling; waits up to `drainMs` for the messages held to be acked or nacked. */
  close(): Promise<void>;
}

/** Failed messages held (emulator only) besides `maxOutstanding`, before the client stops reading. */
const PARKED_ALLOWANCE = 1000;
/** The client's default number of streams per subscription, at most one per message allowed. */
const MAX_STREAMS = 5;
/** A handler that threw (a bug): try again after this long. */
const HANDLER_FAILURE_RETRY_SECONDS = 10;

export function pullAll(pubsub: PubSub, topics: readonly string[], handle: Handle, options: PullOptions): Pulling {
  const drainMs = options.drainMs ?? 20_000;
  const inFlight = new Map<string, InFlight>();
  const deliver = deliverer(handle, options);

  const open = (topic: string): Subscription => {
    const flow = new InFlight(options.maxOutstanding);
    inFlight.set(topic, flow);
    const subscription = pubsub.subscription(subscriptionFor(topic), subscriberOptions(options, drainMs));
    subscription.on('message', (message: Message) => {
      subscriptions.markHealthy();
      flow.admit(message, () => deliver(topic, message, flow));
    });
    return subscription;
  };
  const subscriptions = new PullSubscriptions(topics, {
    open,
    onLost: (topic) => inFlight.get(topic)?.release(),
    readyTopology: options.readyTopology,
    onFatal: options.onFatal,
    giveUpAfterMs: options.giveUpAfterMs ?? 5 * 60_000,
    firstBackoffMs: options.resubscribeBackoffMs ?? 1000,
    checkEveryMs: options.checkEveryMs ?? 30_000,
    subscriptionFor,
    log: options.log,
  });
  subscriptions.start();

  return {
    subscribed: () => subscriptions.subscribed(),
    async close() {
      const live = await subscriptions.close();
      for (const flow of inFlight.values()) flow.release();
      await Promise.all(live.map((s) => s.close()));
    },
  };
}

function subscriberOptions({ maxOutstanding, redelivery }: PullOptions, drainMs: number): SubscriberOptions {
  // The client counts parked messages too (they keep their lease while they wait): room for them.
  const clientHolds = redelivery === 'ack-deadline' ? maxOutstanding + PARKED_ALLOWANCE : maxOutstanding;
  return {
    flowControl: { maxMessages: clientHolds, allowExcessMessages: false },
    streamingOptions: {
      maxStreams: Math.min(MAX_STREAMS, maxOutstanding),
      // The client retries a broken stream itself; cap its wait so a restarted server is noticed soon.
      retryMaxBackoff: Duration.from({ seconds: 5 }),
    },
    // Leases are extended 20 s at a time (a signal takes well under a second; a slow one is simply
    // extended again), so what a crashed bridge held comes back within 20 s, not the client's ten minutes.
    maxAckDeadline: Duration.from({ seconds: 20 }),
    // On close no new messages; those held finish their signal, up to the drain time.
    closeOptions: { behavior: 'WAIT', timeout: Duration.from({ milliseconds: drainMs }) },
  };
}

/** Hands a message to the handler and settles it with the verdict; resolves once it is settled. */
function deliverer(handle: Handle, { redelivery, log }: PullOptions) {
  return async (topic: string, message: Message, flow: InFlight): Promise<void> => {
    const incoming: IncomingMessage = {
      topic,
      id: message.id,
      data: message.data,
      attributes: message.attributes ?? {},
      deliveryAttempt: message.deliveryAttempt,
    };
    let verdict: Verdict;
    try {
      verdict = await handle(incoming);
    } catch (error) {
      log.error({ err: error, topic, message_id: message.id }, 'handler failed');
      verdict = { action: 'nack', retryAfterSeconds: HANDLER_FAILURE_RETRY_SECONDS, error: errorMessage(error) };
    }
    if (verdict.action === 'ack') return message.ack();
    if (redelivery === 'retry-policy') return message.nack();
    flow.park(message, Math.min(Math.max(1, verdict.retryAfterSeconds), pubsubLimits.maxAckDeadlineSeconds));
  };
}
