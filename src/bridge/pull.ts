// Streaming pull on every completion topic, with flow control. A failed message never holds a
// flow-control slot while it waits: it is handed back at once, and its next delivery is spaced by
// the subscription's retry policy (Pub/Sub) or by its ack deadline (the emulator, which ignores
// retry policies). A subscription that errors or closes (the server restarted and forgot it, it
// was deleted, permission was withdrawn) — or that a periodic check finds gone, since a stream can
// outlive its subscription silently — is re-created and subscribed again with a backoff; if that
// keeps failing, `onFatal` is called so the process exits and its supervisor restarts it.
import { Duration, type Message, type PubSub, type Subscription } from '@google-cloud/pubsub';
import type { Logger } from 'pino';
import type { Handle, IncomingMessage, Verdict } from './handler';
import { pubsubLimits } from '../messages/limits';
import { errorMessage } from '../platform/errors';
import { subscriptionFor } from '../pipeline/ids';

/**
 * How a nacked message waits for its next delivery.
 * - `retry-policy`: nack at once; the subscription's retry policy spaces redeliveries (Pub/Sub).
 * - `ack-deadline`: set the message's ack deadline to the backoff and release it from the client's
 *   flow control; it comes back when the deadline passes (pstest, which redelivers a nack at once).
 */
export type Redelivery = 'retry-policy' | 'ack-deadline';

export interface PullOptions {
  maxOutstanding: number;
  redelivery: Redelivery;
  /** Re-creates the topics and subscriptions the bridge owns (ensureTopology); run before resubscribing. */
  recreate: () => Promise<void>;
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

/** Once a resubscribed subscription has stayed up this long, failures start a new give-up window. */
const STABLE_AFTER_MS = 30_000;
/** By then the client has sent the first modAck of a received message (it batches for 100 ms). */
const FIRST_MODACK_SENT_MS = 250;
/** A handler that threw (a bug): try again after this long. */
const HANDLER_FAILURE_RETRY_SECONDS = 10;

export function pullAll(pubsub: PubSub, topics: readonly string[], handle: Handle, options: PullOptions): Pulling {
  const { maxOutstanding, redelivery, recreate, onFatal, log } = options;
  const giveUpAfterMs = options.giveUpAfterMs ?? 5 * 60_000;
  const firstBackoffMs = options.resubscribeBackoffMs ?? 1000;
  const checkEveryMs = options.checkEveryMs ?? 30_000;
  const drainMs = options.drainMs ?? 20_000;

  const current = new Map<string, Subscription>();
  const broken = new Set<string>();
  let closed = false;
  let failingSince: number | undefined;
  let tries = 0;
  let losses = 0;
  let lastError: unknown;
  let recovering: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let warnedNoRelease = false;
  let checking = false;

  function open(topic: string): void {
    const subscription = pubsub.subscription(subscriptionFor(topic), {
      flowControl: { maxMessages: maxOutstanding, allowExcessMessages: false },
      // The client retries a broken stream itself; cap its wait so a restarted server is noticed soon.
      streamingOptions: { retryMaxBackoff: Duration.from({ seconds: 5 }) },
      // Leases are extended 20 s at a time (a signal takes well under a second; a slow one is simply
      // extended again), so what a crashed bridge held comes back within 20 s, not the client's ten minutes.
      maxAckDeadline: Duration.from({ seconds: 20 }),
      // On close no new messages; those held finish their signal, up to the drain time.
      closeOptions: { behavior: 'WAIT', timeout: Duration.from({ milliseconds: drainMs }) },
    });
    subscription.on('message', (message: Message) => {
      markHealthy();
      receive(topic, message);
    });
    subscription.on('error', (error: Error) => lost(topic, subscription, error));
    subscription.on('close', () => lost(topic, subscription, new Error('subscription closed')));
    current.set(topic, subscription);
  }

  function receive(topic: string, message: Message): void {
    const incoming: IncomingMessage = {
      topic,
      id: message.id,
      data: message.data,
      attributes: message.attributes ?? {},
      deliveryAttempt: message.deliveryAttempt,
    };
    handle(incoming).then(
      (verdict) => settle(message, verdict),
      (error: unknown) => {
        log.error({ err: error, topic, message_id: message.id }, 'handler failed');
        settle(message, {
          action: 'nack',
          retryAfterSeconds: HANDLER_FAILURE_RETRY_SECONDS,
          error: errorMessage(error),
        });
      },
    );
  }

  function settle(message: Message, verdict: Verdict): void {
    if (verdict.action === 'ack') return message.ack();
    if (redelivery === 'retry-policy') return message.nack();
    if (!releaseFromFlowControl(message)) {
      if (!warnedNoRelease) {
        warnedNoRelease = true;
        log.warn('this @google-cloud/pubsub cannot release a message from flow control: nacking at once instead');
      }
      return message.nack();
    }
    // The client sends its own first modAck (the stream's deadline, 10 s or more) in a batch up to
    // 100 ms after receipt, and a batch sends each deadline as its own concurrent request: ours
    // waits until that batch has left, or the server might apply the client's after ours.
    const seconds = Math.min(Math.max(1, verdict.retryAfterSeconds), pubsubLimits.maxAckDeadlineSeconds);
    const wait = Math.max(0, message.received + FIRST_MODACK_SENT_MS - Date.now());
    setTimeout(() => message.modAck(seconds), wait);
  }

  function lost(topic: string, subscription: Subscription, error: Error): void {
    if (closed || current.get(topic) !== subscription) return;
    current.delete(topic);
    subscription.removeAllListeners();
    subscription.on('error', () => undefined); // it may still report the same failure while closing
    subscription.close().catch(() => undefined);
    broken.add(topic);
    losses += 1;
    failingSince ??= Date.now();
    lastError = error;
    log.error(
      { err: error, topic, subscription: subscriptionFor(topic) },
      'subscription lost: re-creating the topology and resubscribing',
    );
    recovering ??= recover().finally(() => {
      recovering = undefined;
    });
  }

  async function recover(): Promise<void> {
    while (broken.size > 0 && !closed) {
      await sleep(Math.min(30_000, firstBackoffMs * 2 ** Math.min(tries, 10)));
      tries += 1;
      if (closed) return;
      try {
        await recreate();
        for (const topic of [...broken]) {
          broken.delete(topic);
          open(topic);
        }
        log.info({ topics: [...current.keys()] }, 'resubscribed');
        const lossesNow = losses;
        setTimeout(() => {
          if (losses === lossesNow && broken.size === 0) markHealthy();
        }, STABLE_AFTER_MS).unref();
      } catch (error) {
        lastError = error;
        log.error({ err: error, tries }, 'could not re-create the topology; will try again');
      }
      if (broken.size > 0 && failingSince !== undefined && Date.now() - failingSince >= giveUpAfterMs) {
        closed = true;
        clearInterval(checker);
        const reason = errorMessage(lastError);
        onFatal(new Error(`could not resubscribe to ${[...broken].join(', ')} for ${giveUpAfterMs} ms: ${reason}`));
        return;
      }
    }
  }

  /** pstest keeps the stream of a deleted subscription open and silent: ask whether each still exists. */
  async function checkSubscriptions(): Promise<void> {
    if (checking || closed) return;
    checking = true;
    try {
      for (const [topic, subscription] of [...current]) {
        try {
          const [exists] = await subscription.exists();
          if (!exists) lost(topic, subscription, new Error(`subscription ${subscriptionFor(topic)} no longer exists`));
        } catch (error) {
          log.debug({ err: error, topic }, 'could not check the subscription');
        }
      }
    } finally {
      checking = false;
    }
  }

  function markHealthy(): void {
    if (broken.size > 0) return;
    failingSince = undefined;
    tries = 0;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  const checker = setInterval(() => void checkSubscriptions(), checkEveryMs);
  for (const topic of topics) open(topic);

  return {
    subscribed: () => !closed && broken.size === 0 && current.size === topics.length,
    async close() {
      closed = true;
      clearInterval(checker);
      wake?.();
      await recovering;
      const subscriptions = [...current.values()];
      current.clear();
      await Promise.all(subscriptions.map((s) => s.close()));
    },
  };
}

/** The client's lease manager, which `Message` does not expose. */
interface LeaseInternals {
  _subscriber?: { _inventory?: { remove?: (message: Message) => void } };
}

/**
 * Takes `message` out of the client's flow control and lease extension without acking or nacking
 * it, so its ack deadline (just set by modAck) decides when Pub/Sub delivers it again. The client
 * (5.x and 6.x: Subscriber._inventory, a LeaseManager) has no public call for this; false if that changed.
 */
function releaseFromFlowControl(message: Message): boolean {
  const inventory = (message as unknown as LeaseInternals)._subscriber?._inventory;
  if (typeof inventory?.remove !== 'function') return false;
  inventory.remove(message);
  return true;
}
