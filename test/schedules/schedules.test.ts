// The pipeline's Schedules on the Temporal dev server (the time-skipping server does not implement
// Schedules): applied idempotently, listed, and fired with `schedule.trigger` instead of waiting
// for the cron. Export activities record; the game-day opener is the real activity.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { ExportRun, ExportWritten } from '../../src/exports/activities';
import { createOpenGameDayActivity, type OpenedGameDay } from '../../src/date-run/client';
import { addDays } from '../../src/time';
import type { ExportComplete } from '../../src/messages/export-message';
import { exportPaths, schedules } from '../../src/pipeline/exports';
import { exportWorkflowIdFor, workflowIdFor } from '../../src/pipeline/ids';
import { renderSchedules } from '../../src/cli/schedules';
import { ensureSchedules, listSchedules } from '../../src/watch/schedules';
import type { ScheduledExportOutcome } from '../../src/exports/scheduled';
import { calendarDateIn } from '../../src/time';
import { devServerWorker, startDevServer, tempDir, type DevServer, type DevServerWorker } from '../helpers/servers';
import { eventually } from '../helpers/eventually';

const taskQueue = 'schedules-test';
let temporal: DevServer;
let client: Client;
let worker: DevServerWorker;
const exportRuns: Array<ExportRun & { workflowId: string }> = [];
const completes: ExportComplete[] = [];

before(async () => {
  temporal = await startDevServer(tempDir('schedules-test'));
  worker = await devServerWorker(temporal, taskQueue, (client) => ({
    runExport(run: ExportRun): Promise<ExportWritten> {
      exportRuns.push({ ...run, workflowId: Context.current().info.workflowExecution?.workflowId ?? 'none' });
      return Promise.resolve({
        exportType: run.exportType,
        paths: exportPaths(run.exportType, run.targetDate, run.updateLatest),
        rowCount: 1,
      });
    },
    publishExportComplete(message: ExportComplete): Promise<string> {
      completes.push(message);
      return Promise.resolve(`message-${completes.length}`);
    },
    ...createOpenGameDayActivity(client),
  }));
  client = worker.client;
});

after(async () => {
  await worker.stop();
  await temporal.stop();
});

/** Fires the schedule now and returns the result of the run it started. */
async function fire<T>(scheduleId: string): Promise<{ result: T; scheduledAt: Date }> {
  const handle = client.schedule.getHandle(scheduleId);
  const before = (await handle.describe()).info.recentActions.length;
  await handle.trigger();
  const { info } = await eventually(
    () => handle.describe(),
    (d) => d.info.recentActions.length > before,
    `${scheduleId} to fire`,
  );
  const action = info.recentActions.at(-1)!;
  const result = (await client.workflow.getHandle(action.action.workflow.workflowId).result()) as T;
  return { result, scheduledAt: action.scheduledAt };
}

describe('schedules', () => {
  it('applies every schedule idempotently and lists them with their next run', async () => {
    const first = await ensureSchedules(client, taskQueue);
    assert.deepEqual(
      first,
      schedules.map((s) => ({ id: s.id, action: 'created' })),
    );

    await client.schedule.getHandle('phase6-player-profiles').pause('paused by the test');
    const second = await ensureSchedules(client, taskQueue);
    assert.deepEqual(
      second,
      schedules.map((s) => ({ id: s.id, action: 'updated' })),
    );

    const listing = await listSchedules(client);
    assert.deepEqual(
      listing.map((s) => [s.id, s.cron, s.timeZone, s.applied]),
      [
        ['phase6-daily-results', '0 10 * * *', 'UTC', true],
        ['phase6-tonight-picks', '0 18 * * *', 'UTC', true],
        ['phase6-player-profiles', '0 11 * * 0', 'UTC', true],
        ['game-day-opener', '5 8 * * *', 'UTC', true],
        ['pipeline-reconcile', '30 7 * * *', 'America/New_York', true],
        ['pipeline-health', '0 8 * * *', 'America/New_York', true],
      ],
    );
    const results = listing.find((s) => s.id === 'phase6-daily-results')!;
    assert.match(results.nextRun ?? '', /T10:00:00\.000Z$/);
    assert.equal(results.lastRun, null);
    assert.equal(listing.find((s) => s.id === 'phase6-player-profiles')!.paused, true, 'an update keeps a pause');
    assert.equal(new Date(listing.find((s) => s.id === 'phase6-player-profiles')!.nextRun!).getUTCDay(), 0, 'Sundays');
    const rendered = renderSchedules(listing);
    assert.match(rendered, /phase6-daily-results\s*│\s*0 10 \* \* \* UTC\s*│\s*\S+T10:00:00\.000Z/);
    assert.match(rendered, /phase6-player-profiles.*paused/);
  });

  it('the daily results schedule exports yesterday (UTC) as export-<date>-results', async () => {
    const { result, scheduledAt } = await fire<ScheduledExportOutcome>('phase6-daily-results');
    const yesterday = addDays(scheduledAt.toISOString().slice(0, 10), -1);
    assert.equal(result.outcome, 'exported');
    assert.equal(result.workflowId, exportWorkflowIdFor(yesterday, 'results'));
    assert.deepEqual(
      exportRuns.filter((r) => r.workflowId === result.workflowId).map((r) => [r.exportType, r.targetDate]),
      [
        ['results', yesterday],
        ['performance', yesterday],
        ['best-bets', yesterday],
      ],
    );
    assert.equal(completes.filter((c) => c.workflow_id === result.workflowId).length, 1);
    const listed = (await listSchedules(client)).find((s) => s.id === 'phase6-daily-results')!;
    assert.ok(listed.lastRun, 'the listing shows the last run');
    assert.match(listed.lastWorkflowId ?? '', /^phase6-daily-results-/);
  });

  it('the tonight schedule refreshes the files every time it fires, each run under its own trigger id', async () => {
    const first = await fire<ScheduledExportOutcome>('phase6-tonight-picks');
    const second = await fire<ScheduledExportOutcome>('phase6-tonight-picks');
    const today = first.scheduledAt.toISOString().slice(0, 10);
    assert.equal(first.result.outcome, 'exported');
    assert.equal(second.result.outcome, 'exported', 'not skipped as already exported');
    assert.equal(second.result.workflowId, `export-${today}-tonight`);
    assert.equal(
      exportRuns.filter((r) => r.workflowId === `export-${today}-tonight` && r.exportType === 'tonight').length,
      2,
    );
    const ids = completes.filter((c) => c.workflow_id === `export-${today}-tonight`).map((c) => c.trigger_id);
    assert.equal(new Set(ids).size, 2);
  });

  it('a backfilled firing resolves yesterday from its scheduled time, not from now', async () => {
    const handle = client.schedule.getHandle('phase6-daily-results');
    await handle.backfill({
      start: new Date('2025-12-13T09:59:00Z'),
      end: new Date('2025-12-13T10:01:00Z'),
      overlap: 'ALLOW_ALL',
    });
    const { info } = await eventually(
      () => handle.describe(),
      (d) => d.info.recentActions.some((a) => a.scheduledAt.toISOString() === '2025-12-13T10:00:00.000Z'),
      'the backfilled firing',
    );
    const action = info.recentActions.find((a) => a.scheduledAt.toISOString() === '2025-12-13T10:00:00.000Z')!;
    const result = (await client.workflow
      .getHandle(action.action.workflow.workflowId)
      .result()) as ScheduledExportOutcome;
    assert.equal(result.workflowId, 'export-2025-12-12-results');
    assert.deepEqual(
      exportRuns.filter((r) => r.workflowId === result.workflowId).map((r) => r.targetDate),
      ['2025-12-12', '2025-12-12', '2025-12-12'],
    );
  });

  it('the opener opens today’s (Los Angeles) game-day run, and leaves a closed one closed', async () => {
    const first = await fire<OpenedGameDay>('game-day-opener');
    const today = calendarDateIn('America/Los_Angeles', first.scheduledAt);
    assert.deepEqual(first.result, { outcome: 'opened', workflowId: workflowIdFor(today), gameDate: today });
    const gameDay = client.workflow.getHandle(workflowIdFor(today));
    assert.equal((await gameDay.describe()).status.name, 'RUNNING');

    await gameDay.terminate('closing the date for the test');
    const second = await fire<OpenedGameDay>('game-day-opener');
    assert.equal(second.result.outcome, 'closed');
    assert.equal((await gameDay.describe()).status.name, 'TERMINATED', 'not reopened');
  });
});
