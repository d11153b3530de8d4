// Opening a date's game-day run without a completion, so its deadlines run even on a quiet day.
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { log } from '../log';
import { workflowIdFor } from '../pipeline/ids';
import { gameDayWorkflow } from '../workflows/game-day';
import { openSignal } from '../workflows/signals';
import { BackfillMode, GameDate, gameDaySummary, PipelinePhase } from '../workflows/search-attributes';

export type OpenedGameDay =
  | { outcome: 'opened'; workflowId: string; gameDate: string }
  /** The date's run has already closed; the opener never reopens a closed date. */
  | { outcome: 'closed'; workflowId: string; gameDate: string };

/** `gameDayTaskQueue` defaults to the queue this activity runs on: one worker runs both. */
export function createOpenGameDayActivity(client: Client, gameDayTaskQueue?: string) {
  return {
    /** Signal-with-start of `open` on the date's run: starts it when missing, a no-op signal when open. */
    async openGameDay(gameDate: string): Promise<OpenedGameDay> {
      const workflowId = workflowIdFor(gameDate);
      try {
        await client.workflow.signalWithStart(gameDayWorkflow, {
          workflowId,
          taskQueue: gameDayTaskQueue ?? Context.current().info.taskQueue,
          args: [{ gameDate }],
          signal: openSignal,
          signalArgs: [],
          // A closed date stays closed, as for the bridge.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: gameDaySummary(gameDate),
          typedSearchAttributes: [
            { key: GameDate, value: gameDate },
            { key: PipelinePhase, value: 'phase2' },
            { key: BackfillMode, value: false },
          ],
        });
        log.info({ game_date: gameDate, workflow_id: workflowId }, 'game day opened');
        return { outcome: 'opened', workflowId, gameDate };
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        log.info({ game_date: gameDate, workflow_id: workflowId }, 'game day already closed; not reopened');
        return { outcome: 'closed', workflowId, gameDate };
      }
    },
  };
}
