// The bridge's own flow control for one subscription: at most `maxHandling` messages are with the
// handler at once; the rest wait for a slot, in the order they came. A failed message can also be
// parked: it keeps no slot while it waits out its backoff (the client keeps its lease), then it is
// nacked, so a server that redelivers a nack at once (the emulator) delivers it again only then.
import type { Message } from '@google-cloud/pubsub';

export class InFlight {
  private handling = 0;
  private readonly waiting: { message: Message; work: () => Promise<void> }[] = [];
  private readonly parked = new Map<Message, NodeJS.Timeout>();
  private released = false;

  constructor(private readonly maxHandling: number) {}

  /** Runs `work` (handle and settle `message`) now if a slot is free, else once one frees. */
  admit(message: Message, work: () => Promise<void>): void {
    if (this.released) return message.nack();
    if (this.handling >= this.maxHandling) {
      this.waiting.push({ message, work });
      return;
    }
    this.handling += 1;
    void work().finally(() => {
      this.handling -= 1;
      const next = this.waiting.shift();
      if (next) this.admit(next.message, next.work);
    });
  }

  /** Holds `message` for `seconds` without a slot, then nacks it: its next delivery comes no sooner. */
  park(message: Message, seconds: number): void {
    if (this.released) return message.nack();
    const timer = setTimeout(() => {
      this.parked.delete(message);
      message.nack();
    }, seconds * 1000);
    timer.unref();
    this.parked.set(message, timer);
  }

  /**
   * Nacks every message waiting for a slot or a backoff, and any that comes later (the
   * subscription is closing or lost): only those being handled are left to finish.
   */
  release(): void {
    this.released = true;
    for (const [message, timer] of this.parked) {
      clearTimeout(timer);
      message.nack();
    }
    this.parked.clear();
    for (const { message } of this.waiting.splice(0)) message.nack();
  }
}
