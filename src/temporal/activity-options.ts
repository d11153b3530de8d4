// How long each kind of activity may take and how it is retried, named once: the workflows pick a
// name, never a literal.
import type { Duration, RetryPolicy } from '@temporalio/common';
import type { ActivityOptions } from '@temporalio/workflow';

/** Something that must happen eventually (a trigger, a report, a record): retry until it works. */
export const untilItWorks: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
};

/** Worth a few tries, not a stuck step: an alert route that stays down is logged and passed by. */
export const aFewTimes: RetryPolicy = {
  initialInterval: '2 seconds',
  maximumInterval: '1 minute',
  maximumAttempts: 10,
};

/** A question with a fallback answer: three quick tries, then the caller goes on without it. */
const threeQuickTries: RetryPolicy = { initialInterval: '1 second', maximumAttempts: 3 };

/** Publishing a trigger or a report: above the Pub/Sub client's own publish timeout (20 s), so an attempt never outlives its activity. */
export const publishing: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '10 seconds',
  retry: untilItWorks,
};

/** A report that must go out eventually (an export run's completion). */
export const reporting: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: untilItWorks };

/** A signal-with-start on another date's run (the hand-over): it must get there. */
export const signallingARun: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: untilItWorks };

/** Opening today's run from its Schedule: Temporal briefly unreachable must not lose the day's opening. */
export const openingTheDay: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { ...untilItWorks, maximumAttempts: 10 },
};

/** A run-history write: retried until its deadline, then the run goes on and says so. */
export const recordingHistory = (writeDeadline: Duration): ActivityOptions => ({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: writeDeadline,
  retry: untilItWorks,
});

/** A read the step cannot do without (a closed run's row, a backfill's bookkeeping). */
export const readingUntilItWorks: ActivityOptions = { startToCloseTimeout: '1 minute', retry: untilItWorks };

/** Dead-lettering a batch of completions: heartbeats as it publishes. */
export const deadLettering: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: untilItWorks,
};

/** Asking within `within` (the schedule's word on the next game date): no answer in time is an answer. */
export const askingWithin = (within: Duration): ActivityOptions => ({
  startToCloseTimeout: within,
  scheduleToCloseTimeout: within,
  retry: threeQuickTries,
});

/** A glance at the schedule when a Schedule fires: quick, with a fallback. */
export const glancing: ActivityOptions = {
  startToCloseTimeout: '5 seconds',
  scheduleToCloseTimeout: '10 seconds',
  retry: threeQuickTries,
};

/** Raising an alert: a few tries; an alert's own workflow delivers it route by route. */
export const alerting: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: aFewTimes };

/** Delivering one alert route: long enough to ride out a webhook's short outage, short enough that a later alert is not held back for long. */
export const deliveringARoute: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' },
};

/** The daily watch's health check and reconcile: minutes of reads, a few tries. */
export const watching: ActivityOptions = { startToCloseTimeout: '5 minutes', retry: aFewTimes };

/**
 * One export type: one query and a few small uploads. A few tries ride out a BigQuery or storage
 * hiccup; after that the type is reported as failed rather than holding the other types' report
 * back for hours.
 */
export const exporting: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 4,
    nonRetryableErrorTypes: ['InvalidExportRequest'],
  },
};

/**
 * Phase 5's reads retry until the deadline they serve makes them moot (`msLeft` from now), so a
 * BigQuery outage of any length short of that deadline loses nothing.
 */
export const readingUntil = (msLeft: number): ActivityOptions => ({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: Math.max(10_000, msLeft),
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
