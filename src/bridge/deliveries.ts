// How many times a message has been tried, and how long it waits before the next try. Pub/Sub
// counts deliveries itself (Message.deliveryAttempt) when the subscription has a dead-letter policy,
// as the bridge's subscriptions do; without one the bridge counts failures per message id, in a
// bounded map so that a flood of distinct failing messages cannot grow it without end.

export interface BackoffPolicy {
  minSeconds: number;
  maxSeconds: number;
}

/** Seconds to wait before delivery `attempt + 1`: doubles from min to max. */
export function backoffSeconds(attempt: number, { minSeconds, maxSeconds }: BackoffPolicy): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(maxSeconds, Math.ceil(minSeconds * 2 ** exponent));
}

export class FailureCounts {
  private readonly counts = new Map<string, number>();

  constructor(private readonly capacity = 10_000) {}

  /** Counts one more failure of `key` and returns how many there have been. */
  fail(key: string): number {
    const count = (this.counts.get(key) ?? 0) + 1;
    // Re-inserting moves the key to the end: the oldest-touched key is evicted first.
    this.counts.delete(key);
    this.counts.set(key, count);
    if (this.counts.size > this.capacity) {
      const oldest = this.counts.keys().next();
      if (!oldest.done) this.counts.delete(oldest.value);
    }
    return count;
  }

  forget(key: string): void {
    this.counts.delete(key);
  }

  get size(): number {
    return this.counts.size;
  }
}
