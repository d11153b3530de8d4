// Retry policies the workflows share, named once.
import type { RetryPolicy } from '@temporalio/common';

/** Something that must happen eventually (a trigger, a report, a record): retry until it works. */
export const untilItWorks: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' };
