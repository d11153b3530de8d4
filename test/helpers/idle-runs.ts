// When runs have done everything they were sent, read from Temporal rather than guessed from the
// clock: a test counts what the runs did (from their histories) and waits for exactly that much to
// arrive, instead of pausing for a stray duplicate to surface.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { until } from './eventually';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

export interface CompletedActivity {
  workflowId: string;
  activityType: string;
  /** The activity's arguments, decoded. */
  input: unknown[];
  /** What the activity returned, decoded. */
  result: unknown;
}

interface Snapshot {
  /** Every run's workflow id and history length: unchanged between two looks means nothing happened in between. */
  lengths: string;
  idle: boolean;
  histories: Map<string, HistoryEvent[]>;
}

const decode = (payloads: { payloads?: Payload[] | null } | null | undefined): unknown[] =>
  (payloads?.payloads ?? []).map((payload) => defaultPayloadConverter.fromPayload(payload));

/** The runs `workflowIds` and every child they started, with their histories and whether any work is pending. */
async function snapshot(client: Client, workflowIds: string[]): Promise<Snapshot> {
  const histories = new Map<string, HistoryEvent[]>();
  const lengths: string[] = [];
  let idle = true;
  const queue = [...workflowIds];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (histories.has(id)) continue;
    const handle = client.workflow.getHandle(id);
    const [{ raw }, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    const events = history.events ?? [];
    histories.set(id, events);
    lengths.push(`${id}:${events.length}`);
    if (raw.pendingWorkflowTask || (raw.pendingActivities ?? []).length > 0) idle = false;
    const initiated = events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length;
    const children = events.flatMap((e) => {
      const started = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
      return started ? [started] : [];
    });
    const failedToStart = events.filter((e) => e.startChildWorkflowExecutionFailedEventAttributes).length;
    if (initiated > children.length + failedToStart) idle = false; // a child on its way
    queue.push(...children);
  }
  return { lengths: lengths.join(' '), idle, histories };
}

/**
 * Waits until the runs `workflowIds` and their children are idle (no workflow task, activity or
 * child start pending) and have stayed so between two looks, and returns the activities they
 * completed. Once the signals a test sent are in the histories, an idle run does nothing more until
 * a timer fires, so these are all the activities those signals led to. Each id is read at its
 * latest run: what a run did before it continued as new is not counted.
 */
export async function completedActivities(
  client: Client,
  workflowIds: string[],
  timeoutMs = 60_000,
): Promise<CompletedActivity[]> {
  let last: Snapshot | undefined;
  await until(
    async () => {
      const before = last;
      last = await snapshot(client, workflowIds);
      return last.idle && before?.idle === true && before.lengths === last.lengths;
    },
    `${workflowIds.join(', ')} (and children) to finish their work`,
    timeoutMs,
  );
  const completed: CompletedActivity[] = [];
  for (const [workflowId, events] of last!.histories) {
    const scheduled = new Map<string, { activityType: string; input: unknown[] }>();
    for (const event of events) {
      const attributes = event.activityTaskScheduledEventAttributes;
      if (attributes) {
        const activityType = attributes.activityType?.name ?? '';
        scheduled.set(String(event.eventId), { activityType, input: decode(attributes.input) });
      }
      const done = event.activityTaskCompletedEventAttributes;
      const activity = done && scheduled.get(String(done.scheduledEventId));
      if (done && activity) completed.push({ workflowId, ...activity, result: decode(done.result)[0] });
    }
  }
  return completed;
}
