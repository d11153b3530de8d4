// When a run was meant to happen: the Schedule's fire time for runs a Schedule started (also right
// for catch-up and backfill firings, which start late), else the run's own start time. Workflow-only.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import * as wf from '@temporalio/workflow';

/** Set by the server on every workflow a Schedule starts. */
export const TemporalScheduledStartTime = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

export function scheduledOrStartTime(): Date {
  const info = wf.workflowInfo();
  return info.typedSearchAttributes.get(TemporalScheduledStartTime) ?? info.startTime;
}
