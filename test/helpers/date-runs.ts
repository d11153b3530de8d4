// A test's view of the dates' runs: completions go in as the bridge sends them, the status query
// says where each run stands.
import type { Client } from '@temporalio/client';
import { signalCompletion, type Delivered } from '../../src/date-run/client';
import { statusQuery } from '../../src/date-run/status';
import type { GameDayStatus } from '../../src/date-run/status';
import type { Completion } from '../../src/messages/completion';
import { workflowIdFor } from '../../src/pipeline/ids';
import { eventually } from './eventually';
import { completion, processorNames } from './messages';

export interface DateRuns {
  /** Signals one completion to its date's run, starting the run if need be, as the bridge does. */
  send: (completion: Completion) => Promise<Delivered>;
  /** The date's run's answer to the status query. */
  status: (date: string) => Promise<GameDayStatus>;
  /** Sends a success of each of `names` (every processor of the phase unless given), one after the other. */
  completePhase: (date: string, phase: 'phase2' | 'phase3', names?: string[]) => Promise<void>;
}

/** `client` is read at each call, so the helper can be made before the test's server starts. */
export function dateRuns(client: () => Client, taskQueue: string): DateRuns {
  const send = (c: Completion) => signalCompletion(client(), taskQueue, c);
  return {
    send,
    status: (date) => client().workflow.getHandle(workflowIdFor(date)).query(statusQuery),
    completePhase: async (date, phase, names = processorNames(phase)) => {
      for (const name of names) await send(completion(phase, name, date));
    },
  };
}

/** Waits until the workflow exists (its parent starts it on a task of its own) and returns its handle. */
export async function started(client: Client, workflowId: string, timeoutMs?: number) {
  const handle = client.workflow.getHandle(workflowId);
  await eventually(
    () =>
      handle.describe().then(
        () => true,
        () => false,
      ),
    Boolean,
    `${workflowId} to start`,
    timeoutMs,
  );
  return handle;
}
