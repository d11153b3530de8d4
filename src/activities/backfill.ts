// What a backfill asks of the date runs: open one in backfill mode, and read what it has collected.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { workflowIdFor } from '../pipeline/ids';
import { openDateRun, type OpenedGameDay } from './open-game-day';
import type { DateProgress } from '../workflows/backfill-plan';
import { statusQuery } from '../workflows/game-day';

/** `gameDayTaskQueue` defaults to the queue this activity runs on: one worker runs both. */
export function createBackfillActivities(client: Client, gameDayTaskQueue?: string) {
  return {
    /** Opens the date's run in backfill mode: its own rules publish nothing while the backfill triggers. */
    async openBackfillDate(gameDate: string): Promise<OpenedGameDay> {
      return openDateRun(client, gameDate, gameDayTaskQueue ?? Context.current().info.taskQueue, 'backfill');
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
