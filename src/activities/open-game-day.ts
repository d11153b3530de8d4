// Opening a date's game-day run without a completion, so its deadlines run even on a quiet day.
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { log } from '../log';
import type { ScheduledDay } from './bigquery';
import { workflowIdFor } from '../pipeline/ids';
import { gameDayWorkflow } from '../workflows/game-day';
import { backfillSignal, openSignal } from '../workflows/signals';
import { BackfillMode, GameDate, gameDaySummary, PipelinePhase } from '../workflows/search-attributes';

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
  };
}

/**
 * Starts the date's run when missing and signals it: `open` (deadlines run on a quiet day) or
 * `backfill` (its own rules publish nothing while a backfill triggers the phases). A closed date
 * stays closed, as for the bridge: a rerun is its own command.
 */
export async function openDateRun(
  client: Client,
  gameDate: string,
  taskQueue: string,
  mode: 'open' | 'backfill',
  /** What the schedule says about the date (the opener read it): the run starts knowing it. */
  schedule?: ScheduledDay,
): Promise<OpenedGameDay> {
  const workflowId = workflowIdFor(gameDate);
  try {
    await client.workflow.signalWithStart(gameDayWorkflow, {
      workflowId,
      taskQueue,
      args: [{ gameDate, ...(schedule ? { schedule } : {}) }],
      signal: mode === 'backfill' ? backfillSignal : openSignal,
      signalArgs: [],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: gameDaySummary(gameDate),
      typedSearchAttributes: [
        { key: GameDate, value: gameDate },
        { key: PipelinePhase, value: 'phase2' },
        { key: BackfillMode, value: mode === 'backfill' },
      ],
    });
    log.info({ game_date: gameDate, workflow_id: workflowId, mode }, 'game day opened');
    return { outcome: 'opened', workflowId, gameDate };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    log.info({ game_date: gameDate, workflow_id: workflowId, mode }, 'game day already closed; not reopened');
    return { outcome: 'closed', workflowId, gameDate };
  }
}
