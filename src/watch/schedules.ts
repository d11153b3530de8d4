// The pipeline's Temporal Schedules (the phase 6 exporter's Cloud Scheduler jobs and the game-day opener), created or
// updated from the data in src/pipeline/exports.ts. Safe to run at every start-up.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleOptions } from '@temporalio/client';
import { schedules, type ScheduleDefinition } from '../pipeline/exports';

export function scheduleOptionsFor(schedule: ScheduleDefinition, taskQueue: string): ScheduleOptions {
  return {
    scheduleId: schedule.id,
    spec: { cronExpressions: [schedule.cron], timezone: schedule.timeZone },
    action: {
      type: 'startWorkflow',
      workflowType: schedule.workflow,
      taskQueue,
      args: schedule.workflow === 'scheduledExportWorkflow' ? [schedule.job] : [],
      // The server appends the fire time: phase6-daily-results-2025-12-12T10:00:00Z.
      workflowId: schedule.id,
    },
    // SKIP: a firing while the last one still runs would only repeat its work.
    policies: { overlap: 'SKIP', catchupWindow: schedule.catchupWindow },
    memo: { description: schedule.description },
  };
}

export interface EnsuredSchedule {
  id: string;
  action: 'created' | 'updated';
}

/** Creates each schedule, or updates it to the definition when it exists; a pause is kept. */
export async function ensureSchedules(client: Client, taskQueue: string): Promise<EnsuredSchedule[]> {
  const ensured: EnsuredSchedule[] = [];
  for (const schedule of schedules) {
    const options = scheduleOptionsFor(schedule, taskQueue);
    try {
      await client.schedule.create(options);
      ensured.push({ id: schedule.id, action: 'created' });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule.getHandle(schedule.id).update((previous) => ({
        spec: options.spec,
        action: options.action,
        policies: options.policies,
        // An operator's pause (and its note) survives a redeploy.
        state: { paused: previous.state.paused, note: previous.state.note },
      }));
      ensured.push({ id: schedule.id, action: 'updated' });
    }
  }
  return ensured;
}

export interface ScheduleListing {
  id: string;
  cron: string;
  timeZone: string;
  description: string;
  /** False when the schedule is defined but not (yet) on the server: run `pipeline schedules --apply`. */
  applied: boolean;
  paused: boolean;
  nextRun: string | null;
  lastRun: string | null;
  lastWorkflowId: string | null;
}

/** Every defined schedule as the server sees it now. */
export async function listSchedules(client: Client): Promise<ScheduleListing[]> {
  return Promise.all(
    schedules.map(async (schedule): Promise<ScheduleListing> => {
      const defined = {
        id: schedule.id,
        cron: schedule.cron,
        timeZone: schedule.timeZone,
        description: schedule.description,
      };
      try {
        const { state, info } = await client.schedule.getHandle(schedule.id).describe();
        const last = info.recentActions.at(-1);
        return {
          ...defined,
          applied: true,
          paused: state.paused,
          nextRun: info.nextActionTimes[0]?.toISOString() ?? null,
          lastRun: last?.takenAt.toISOString() ?? null,
          lastWorkflowId: last?.action.workflow.workflowId ?? null,
        };
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
        return { ...defined, applied: false, paused: false, nextRun: null, lastRun: null, lastWorkflowId: null };
      }
    }),
  );
}
