// The Temporal side of the bridge: one completion becomes one signal-with-start on its date's run.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Completion } from '../messages/completion';
import { workflowIdFor } from '../pipeline/ids';
import { gameDayWorkflow } from '../game-day/workflow';
import { completionSignal } from './signals';
import { CorrelationId, GameDate, PipelinePhase, BackfillMode, gameDaySummary } from '../temporal/search-attributes';

export type Delivered =
  | { outcome: 'signalled'; workflowId: string; runId: string }
  /** The date's run has closed: the message is acknowledged and reported, never starts a new run. */
  | { outcome: 'late'; workflowId: string };

export async function signalCompletion(client: Client, taskQueue: string, completion: Completion): Promise<Delivered> {
  const workflowId = workflowIdFor(completion.gameDate);
  try {
    const handle = await client.workflow.signalWithStart(gameDayWorkflow, {
      workflowId,
      taskQueue,
      args: [{ gameDate: completion.gameDate }],
      signal: completionSignal,
      signalArgs: [completion],
      // A closed date stays closed: a deliberate rerun is its own, explicit command.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: gameDaySummary(completion.gameDate),
      typedSearchAttributes: [
        { key: GameDate, value: completion.gameDate },
        { key: PipelinePhase, value: 'phase2' },
        { key: BackfillMode, value: completion.skipDownstreamTrigger },
        ...(completion.correlationId ? [{ key: CorrelationId, value: completion.correlationId }] : []),
      ],
    });
    return { outcome: 'signalled', workflowId, runId: handle.signaledRunId };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { outcome: 'late', workflowId };
    throw error;
  }
}
