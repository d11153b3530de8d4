// The one client of a date's run: opening it (quiet day, backfill, hand-over) and signalling a
// processor's completion, both by signal-with-start on the date's workflow id.
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { log } from '../platform/log';
import type { ScheduledDay } from '../schedule/activities';
import type { Completion } from '../messages/completion';
import { gameDayWorkflowType, workflowIdFor } from '../pipeline/ids';
import {
  backfillSignal,
  completionSignal,
  openSignal,
  resultsHandedOverSignal,
  type DateRunStart,
  type DateRunWorkflow,
  type ResultsHandedOver,
} from './signals';
import { BackfillMode, CorrelationId, GameDate, gameDaySummary, PipelinePhase } from '../temporal/search-attributes';

export type OpenedGameDay =
  | { outcome: 'opened'; workflowId: string; gameDate: string }
  /** The date's run has already closed; the opener never reopens a closed date. */
  | { outcome: 'closed'; workflowId: string; gameDate: string };

/** `gameDayTaskQueue` defaults to the queue this activity runs on: one worker runs both. */
export function createOpenGameDayActivity(client: Client, gameDayTaskQueue?: string) {
  return {
    /** Signal-with-start of `open` on the date's run: starts it when missing, a no-op signal when open. */
    async openGameDay(gameDate: string, schedule?: ScheduledDay): Promise<OpenedGameDay> {
      return openDateRun(client, gameDate, gameDayTaskQueue ?? Context.current().info.taskQueue, 'open', schedule);
    },
    /** Hands the results of a date over to the slate of `to`: signal-with-start of `resultsHandedOver`. */
    async handOverResults(to: string, handover: ResultsHandedOver): Promise<OpenedGameDay> {
      return openDateRun(client, to, gameDayTaskQueue ?? Context.current().info.taskQueue, { handover });
    },
  };
}

/** What opens the run: `open`, `backfill`, or the results of the previous game date handed over to its slate. */
export type OpenWith = 'open' | 'backfill' | { handover: ResultsHandedOver };

/**
 * The one way to open a date's run: starts it when missing and signals it — `open` (deadlines run on
 * a quiet day), `backfill` (its own rules publish nothing while a backfill triggers the phases), or a
 * hand-over (the slate starts its phase 4). A closed date stays closed, as for the bridge: a rerun
 * is its own command.
 */
export async function openDateRun(
  client: Client,
  gameDate: string,
  taskQueue: string,
  mode: OpenWith,
  /** What the schedule says about the date (the opener read it): the run starts knowing it. */
  schedule?: ScheduledDay,
): Promise<OpenedGameDay> {
  const workflowId = workflowIdFor(gameDate);
  const handover = typeof mode === 'object' ? mode.handover : undefined;
  const how = handover ? `handover of ${handover.resultsOf}` : mode;
  const options = {
    workflowId,
    taskQueue,
    args: [{ gameDate, ...(schedule ? { schedule } : {}) }] as [DateRunStart],
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    staticSummary: gameDaySummary(gameDate),
    typedSearchAttributes: [
      { key: GameDate, value: gameDate },
      { key: PipelinePhase, value: handover ? 'phase4' : 'phase2' },
      { key: BackfillMode, value: mode === 'backfill' },
      ...(handover?.correlationId ? [{ key: CorrelationId, value: handover.correlationId }] : []),
    ],
  };
  try {
    if (handover) {
      await client.workflow.signalWithStart<DateRunWorkflow, [ResultsHandedOver]>(gameDayWorkflowType, {
        ...options,
        signal: resultsHandedOverSignal,
        signalArgs: [handover],
      });
    } else {
      await client.workflow.signalWithStart<DateRunWorkflow, []>(gameDayWorkflowType, {
        ...options,
        signal: mode === 'backfill' ? backfillSignal : openSignal,
        signalArgs: [],
      });
    }
    log.info({ game_date: gameDate, workflow_id: workflowId, mode: how }, 'game day opened');
    return { outcome: 'opened', workflowId, gameDate };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    log.info({ game_date: gameDate, workflow_id: workflowId, mode: how }, 'game day already closed; not reopened');
    return { outcome: 'closed', workflowId, gameDate };
  }
}

export type OpenDateActivities = ReturnType<typeof createOpenGameDayActivity>;

export type Delivered =
  | { outcome: 'signalled'; workflowId: string; runId: string }
  /** The date's run has closed: the message is acknowledged and reported, never starts a new run. */
  | { outcome: 'late'; workflowId: string };

export async function signalCompletion(client: Client, taskQueue: string, completion: Completion): Promise<Delivered> {
  const workflowId = workflowIdFor(completion.gameDate);
  try {
    const handle = await client.workflow.signalWithStart<DateRunWorkflow, [Completion]>(gameDayWorkflowType, {
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
