// A burst of dead letters as an alert: one id per burst (its episode is the instant it started), so
// a burst that starts after the last one ended pages again. Pure: the counting workflow and the
// bridge (while Temporal is down) both build it here.
import { deadLetterReviewSubscription } from '../pipeline/ids';
import { pipeline } from '../pipeline/definition';
import { calendarDateIn } from '../time';
import type { Alert } from './alert';

export interface BurstRule {
  /** More dead letters than this… */
  moreThan: number;
  /** …within this many milliseconds is a burst. */
  within: number;
}

export interface Burst {
  count: number;
  /** Dead letters by the kind of reason (`invalid`, `late`, …). */
  reasons: Record<string, number>;
  firstAt: number;
  lastAt: number;
}

/** `T150712Z`: the UTC time the burst started, which tells bursts of one date apart. */
export const burstEpisode = (firstAt: number): string =>
  `T${new Date(firstAt).toISOString().slice(11, 19).replace(/:/g, '')}Z`;

export function burstAlert(burst: Burst, rule: BurstRule = pipeline.watch.deadLetterBurst): Alert {
  const reasons = Object.entries(burst.reasons)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  // `late` letters are messages for closed dates: noisy, not broken. A kind of their own, so a warning
  // about them is never mistaken for a critical burst.
  const onlyLate = Object.keys(burst.reasons).every((kind) => kind === 'late');
  return {
    kind: onlyLate ? 'dead-letter-burst-late' : 'dead-letter-burst',
    severity: onlyLate ? 'warning' : 'critical',
    title: `dead-letter-burst: ${burst.count} dead letters within ${rule.within / 60_000} min (${reasons})`,
    game_date: calendarDateIn(pipeline.watch.alertTimeZone, new Date(burst.firstAt)),
    episode: burstEpisode(burst.firstAt),
    details: {
      dead_letters: burst.count,
      reasons: burst.reasons,
      first_at: new Date(burst.firstAt).toISOString(),
      last_at: new Date(burst.lastAt).toISOString(),
      review: deadLetterReviewSubscription,
    },
  };
}
