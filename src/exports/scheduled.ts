// What the Schedules start. A scheduled export resolves its target date from when the Schedule
// fired and runs the export as the one child per date and set, so a backup that finds the date
// already exported does nothing new. The game-day opener makes sure today's run exists.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import { glancing, openingTheDay } from '../temporal/activity-options';
import type { ScheduleActivities } from '../schedule/activities';
import type { OpenDateActivities } from '../date-run/client';
import type { ScheduledDay } from '../schedule/activities';
import type { OpenedGameDay } from '../date-run/client';
import type { ExportComplete, ExportTrigger } from '../messages/export-message';
import { exportSets, type ScheduledExportJob } from '../pipeline/exports';
import { gameDayTimeZone } from '../time';
import { exportWorkflowIdFor } from '../pipeline/ids';
import { exportWorkflow } from './workflow';
import { resolveOrReject } from './run';
import { failureMessage } from '../temporal/failure';
import { scheduledOrStartTime } from '../temporal/scheduled-time';
import { findableBy, GameDate } from '../temporal/search-attributes';
import { calendarDateIn } from '../time';

// Ten seconds at most: opening the day matters more, and phase 5 asks again at its backup deadline.
const { scheduledDay } = wf.proxyActivities<ScheduleActivities & OpenDateActivities>(glancing);
const { openGameDay } = wf.proxyActivities<ScheduleActivities & OpenDateActivities>(openingTheDay);

export type ScheduledExportOutcome =
  | { outcome: 'exported'; workflowId: string; report: ExportComplete }
  /** The date's export of this set already ran (or is running): nothing new was started. */
  | { outcome: 'already-exported'; workflowId: string };

export async function scheduledExportWorkflow(job: ScheduledExportJob): Promise<ScheduledExportOutcome> {
  const firedAt = scheduledOrStartTime();
  const targetDate = resolveOrReject(job.targetDate, firedAt);
  const workflowId = exportWorkflowIdFor(targetDate, job.set);
  findableBy(targetDate, null, 'phase6');

  // A forced run is a new export with new content: its own trigger_id (this firing's run id, unique even
  // for two firings in one second), so consumers don't drop it.
  const triggerId = job.force ? `${workflowId}/forced/${wf.workflowInfo().runId}` : workflowId;
  try {
    const child = await wf.startChild(exportWorkflow, {
      workflowId,
      args: [triggerFor(job, targetDate, triggerId, firedAt)],
      // The event-driven export and this backup share the ID: a closed run means "already exported".
      workflowIdReusePolicy: job.force ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
    });
    return { outcome: 'exported', workflowId, report: await child.result() };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    wf.log.info('export already ran for this date; nothing new', {
      target_date: targetDate,
      workflow_id: workflowId,
      schedule: job.schedule,
    });
    return { outcome: 'already-exported', workflowId };
  }
}

function triggerFor(job: ScheduledExportJob, targetDate: string, triggerId: string, firedAt: Date): ExportTrigger {
  const set = exportSets[job.set];
  const tracing = {
    trigger_source: 'scheduler',
    triggered_by: job.schedule,
    correlation_id: null,
    timestamp: firedAt.toISOString(),
    trigger_id: triggerId,
    phase: 'phase6',
  } as const;
  if ('minGames' in set) return { players: true, min_games: set.minGames, target_date: targetDate, ...tracing };
  return { export_types: [...set.exportTypes], target_date: targetDate, update_latest: set.updateLatest, ...tracing };
}

/**
 * Opens today's game-day run (the date in Los Angeles when the Schedule fired), with what the
 * schedule says about the date: a day without games is opened all the same and closes as `no_games`.
 */
export async function openGameDayWorkflow(): Promise<OpenedGameDay> {
  const gameDate = calendarDateIn(gameDayTimeZone, scheduledOrStartTime());
  wf.upsertSearchAttributes([{ key: GameDate, value: gameDate }]);
  const schedule = await scheduleOf(gameDate);
  const opened = await openGameDay(gameDate, schedule);
  if (opened.outcome === 'closed') {
    wf.log.info('game day already closed; not reopened', { game_date: gameDate, workflow_id: opened.workflowId });
  }
  return opened;
}

/** The schedule's word on the date; unanswered, phase 5 asks again at its backup deadline. */
async function scheduleOf(gameDate: string): Promise<ScheduledDay | undefined> {
  try {
    const day = await scheduledDay(gameDate);
    wf.log.info('schedule read', { game_date: gameDate, verdict: day.verdict, games: day.games });
    return day;
  } catch (error) {
    wf.log.warn('schedule unknown; phase 5 reads it later', { game_date: gameDate, error: failureMessage(error) });
    return undefined;
  }
}
