// What a backfill asks of the date runs: open one in backfill mode, and read what it has collected.
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { log } from '../log';
import { workflowIdFor } from '../pipeline/ids';
import type { OpenedGameDay } from './open-game-day';
import type { DateProgress } from '../workflows/backfill-plan';
import { gameDayWorkflow, statusQuery } from '../workflows/game-day';
import { BackfillMode, GameDate, PipelinePhase } from '../workflows/search-attributes';
import { backfillSignal } from '../workflows/signals';

/** `gameDayTaskQueue` defaults to the queue this activity runs on: one worker runs both. */
export function createBackfillActivities(client: Client, gameDayTaskQueue?: string) {
  return {
    /**
     * Signal-with-start of `backfill` on the date's run, so its own rules publish nothing while the
     * backfill triggers the phases. A closed date stays closed (a rerun is its own command).
     */
    async openBackfillDate(gameDate: string): Promise<OpenedGameDay> {
      const workflowId = workflowIdFor(gameDate);
      try {
        await client.workflow.signalWithStart(gameDayWorkflow, {
          workflowId,
          taskQueue: gameDayTaskQueue ?? Context.current().info.taskQueue,
          args: [{ gameDate }],
          signal: backfillSignal,
          signalArgs: [],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [
            { key: GameDate, value: gameDate },
            { key: PipelinePhase, value: 'phase2' },
            { key: BackfillMode, value: true },
          ],
        });
        return { outcome: 'opened', workflowId, gameDate };
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        log.warn({ game_date: gameDate, workflow_id: workflowId }, 'backfill date already closed; not reopened');
        return { outcome: 'closed', workflowId, gameDate };
      }
    },

    /** The completions the date's run has counted, by phase; null when the date has no run. */
    async backfillDateProgress(gameDate: string): Promise<DateProgress | null> {
      try {
        const status = await client.workflow.getHandle(workflowIdFor(gameDate)).query(statusQuery);
        const phases = Object.entries(status.phases);
        return {
          waitingOn: status.waiting_on ?? null,
          completed: Object.fromEntries(phases.map(([key, s]) => [key, s.completed_processors])),
          missing: Object.fromEntries(phases.map(([key, s]) => [key, s.missing_processors])),
        };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return null;
        throw error;
      }
    },
  };
}
