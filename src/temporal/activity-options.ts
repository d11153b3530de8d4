// Retry policies the workflows share, named once.
import type { RetryPolicy } from '@temporalio/common';

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
