// When the bridge raises its own alerts: a burst of dead letters (counted here only while Temporal,
// where the replicas count them together, cannot be reached), and Temporal unreachable for too long. Pure (instants in, decisions out), so each rule is tested without servers or clocks.
import type { Burst, BurstRule } from '../alerts/bursts';
import { reasonKind } from './metrics';

export type { Burst, BurstRule };

/**
 * Counts dead letters in a sliding window and reports a burst once: the dead letters that follow
 * within the window of the burst's first one belong to it; after that window a new burst may start.
 */
export class DeadLetterBursts {
  private recent: { kind: string; at: number }[] = [];
  private quietUntil = Number.NEGATIVE_INFINITY;

  constructor(private readonly rule: BurstRule) {}

  /** Notes one dead letter; returns the burst it completes, if it does. */
  note(reason: string, at: number): Burst | undefined {
    if (at <= this.quietUntil) return undefined;
    this.recent = [
      ...this.recent.filter((letter) => at - letter.at <= this.rule.within),
      { kind: reasonKind(reason), at },
    ];
    if (this.recent.length <= this.rule.moreThan) return undefined;
    const reasons: Record<string, number> = {};
    for (const { kind } of this.recent) reasons[kind] = (reasons[kind] ?? 0) + 1;
    const burst = { count: this.recent.length, reasons, firstAt: this.recent[0]!.at, lastAt: at };
    this.quietUntil = burst.firstAt + this.rule.within;
    this.recent = [];
    return burst;
  }
}

export interface Outage {
  since: number;
  /** How long Temporal has been (or was) unreachable. */
  forMs: number;
  lastError?: string;
}

/**
 * Temporal's reachability as the bridge's calls see it: an outage begins with the first call that
 * could not reach it and ends with the first that did. An outage longer than `alertAfterMs` is due
 * for one alert; its end is reported as a recovery when it was alerted.
 */
export class TemporalOutages {
  private since: number | undefined;
  private lastError: string | undefined;
  private alerted = false;

  constructor(private readonly alertAfterMs: number) {}

  /** Notes one call's outcome; the outage it ended, when that outage had been alerted. */
  note(reachable: boolean, at: number, error?: string): Outage | undefined {
    if (!reachable) {
      this.since ??= at;
      this.lastError = error ?? this.lastError;
      return undefined;
    }
    if (this.since === undefined) return undefined;
    const ended: Outage = { since: this.since, forMs: at - this.since };
    const wasAlerted = this.alerted;
    this.since = undefined;
    this.lastError = undefined;
    this.alerted = false;
    return wasAlerted ? ended : undefined;
  }

  /** The outage to alert on now: longer than the threshold and not alerted yet. */
  due(at: number): Outage | undefined {
    if (this.since === undefined || this.alerted || at - this.since <= this.alertAfterMs) return undefined;
    return { since: this.since, forMs: at - this.since, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  /** The current outage has been alerted: no second alert until it ends. */
  markAlerted(): void {
    if (this.since !== undefined) this.alerted = true;
  }

  reachable(): boolean {
    return this.since === undefined;
  }
}
