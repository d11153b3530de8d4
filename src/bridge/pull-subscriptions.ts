// The live subscription of every completion topic. One that errors or closes (the server restarted
// and forgot it, it was deleted, permission was withdrawn) — or that a periodic check finds gone,
// since a stream can outlive its subscription silently — is re-created and subscribed again with a
// backoff; if that keeps failing, or what it needs is gone (only `pipeline init` creates it),
// `onFatal` is called so the process exits and its supervisor restarts it.
import type { Subscription } from '@google-cloud/pubsub';
import type { Logger } from 'pino';
import { errorMessage } from '../platform/errors';
import { MissingResourceError } from '../platform/infra/topology';

export interface ResubscribeOptions {
  /** Opens the subscription of `topic`, its messages flowing. */
  open: (topic: string) => Subscription;
  /** Called when `topic`'s subscription is lost, before it is closed (its messages are let go). */
  onLost: (topic: string) => void;
  /** Readies the topology before resubscribing; a MissingResourceError means only `pipeline init` can help. */
  readyTopology: () => Promise<void>;
  onFatal: (error: Error) => void;
  giveUpAfterMs: number;
  firstBackoffMs: number;
  checkEveryMs: number;
  subscriptionFor: (topic: string) => string;
  log: Logger;
}

/** Once a resubscribed subscription has stayed up this long, failures start a new give-up window. */
const STABLE_AFTER_MS = 30_000;

export class PullSubscriptions {
  private readonly current = new Map<string, Subscription>();
  private readonly broken = new Set<string>();
  private closed = false;
  private failingSince: number | undefined;
  private tries = 0;
  private losses = 0;
  private lastError: unknown;
  private recovering: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private checking = false;
  private checker: NodeJS.Timeout | undefined;

  constructor(
    private readonly topics: readonly string[],
    private readonly options: ResubscribeOptions,
  ) {}

  /** Subscribes to every topic, and checks every `checkEveryMs` that each subscription still exists. */
  start(): void {
    this.checker = setInterval(() => void this.check(), this.options.checkEveryMs);
    for (const topic of this.topics) this.open(topic);
  }

  /** Every topic has a live subscription. */
  subscribed(): boolean {
    return !this.closed && this.broken.size === 0 && this.current.size === this.topics.length;
  }

  /** A message came in: the subscriptions work, unless one is still being re-created. */
  markHealthy(): void {
    if (this.broken.size > 0) return;
    this.failingSince = undefined;
    this.tries = 0;
  }

  /** Stops resubscribing; resolves with the subscriptions that were live, for the caller to close. */
  async close(): Promise<Subscription[]> {
    this.closed = true;
    clearInterval(this.checker);
    this.wake?.();
    await this.recovering;
    const subscriptions = [...this.current.values()];
    this.current.clear();
    return subscriptions;
  }

  private open(topic: string): void {
    const subscription = this.options.open(topic);
    subscription.on('error', (error: Error) => this.lost(topic, subscription, error));
    subscription.on('close', () => this.lost(topic, subscription, new Error('subscription closed')));
    this.current.set(topic, subscription);
  }

  private lost(topic: string, subscription: Subscription, error: Error): void {
    if (this.closed || this.current.get(topic) !== subscription) return;
    this.current.delete(topic);
    subscription.removeAllListeners();
    subscription.on('error', () => undefined); // it may still report the same failure while closing
    this.options.onLost(topic);
    subscription.close().catch(() => undefined);
    this.broken.add(topic);
    this.losses += 1;
    this.failingSince ??= Date.now();
    this.lastError = error;
    this.options.log.error(
      { err: error, topic, subscription: this.options.subscriptionFor(topic) },
      'subscription lost: re-creating the topology and resubscribing',
    );
    this.recovering ??= this.recover().finally(() => {
      this.recovering = undefined;
    });
  }

  private async recover(): Promise<void> {
    while (this.broken.size > 0 && !this.closed) {
      await this.sleep(Math.min(30_000, this.options.firstBackoffMs * 2 ** Math.min(this.tries, 10)));
      this.tries += 1;
      if (this.closed) return;
      const missing = await this.resubscribe();
      if (missing) return this.giveUp(`${errorMessage(missing)}\n(a supervisor restart retries once it exists)`);
      if (this.failingTooLong())
        return this.giveUp(`for ${this.options.giveUpAfterMs} ms: ${errorMessage(this.lastError)}`);
    }
  }

  /** Resubscribes the broken topics; the error when what they need is missing (retrying cannot help). */
  private async resubscribe(): Promise<MissingResourceError | undefined> {
    try {
      await this.options.readyTopology();
      for (const topic of [...this.broken]) {
        this.broken.delete(topic);
        this.open(topic);
      }
      this.options.log.info({ topics: [...this.current.keys()] }, 'resubscribed');
      const lossesNow = this.losses;
      setTimeout(() => {
        if (this.losses === lossesNow && this.broken.size === 0) this.markHealthy();
      }, STABLE_AFTER_MS).unref();
    } catch (error) {
      this.lastError = error;
      if (error instanceof MissingResourceError) return error;
      this.options.log.error({ err: error, tries: this.tries }, 'could not re-create the topology; will try again');
    }
    return undefined;
  }

  private failingTooLong(): boolean {
    const { failingSince } = this;
    return (
      this.broken.size > 0 && failingSince !== undefined && Date.now() - failingSince >= this.options.giveUpAfterMs
    );
  }

  private giveUp(why: string): void {
    this.closed = true;
    clearInterval(this.checker);
    this.options.onFatal(new Error(`could not resubscribe to ${[...this.broken].join(', ')} ${why}`));
  }

  /** pstest keeps the stream of a deleted subscription open and silent: ask whether each still exists. */
  private async check(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      for (const [topic, subscription] of [...this.current]) await this.checkOne(topic, subscription);
    } finally {
      this.checking = false;
    }
  }

  private async checkOne(topic: string, subscription: Subscription): Promise<void> {
    try {
      const [exists] = await subscription.exists();
      const name = this.options.subscriptionFor(topic);
      if (!exists) this.lost(topic, subscription, new Error(`subscription ${name} no longer exists`));
    } catch (error) {
      this.options.log.debug({ err: error, topic }, 'could not check the subscription');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
