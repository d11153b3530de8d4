// The export workflows on the time-skipping server, with recording activities. (Schedules are not
// implemented by the time-skipping server — CreateSchedule is UNIMPLEMENTED — so a Schedule firing
// is tested on the dev server in test/schedules/schedules.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ExportRun, ExportWritten } from '../../src/exports/activities';
import type { OpenedGameDay } from '../../src/date-run/client';
import { addDays } from '../../src/time';
import type { DailyExportTrigger, ExportComplete } from '../../src/messages/export-message';
import { exportPaths, type ExportType, type ScheduledExportJob } from '../../src/pipeline/exports';
import { exportWorkflowIdFor, gameDayTriggerId, triggerKeys, workflowIdFor } from '../../src/pipeline/ids';
import { exportWorkflow } from '../../src/exports/workflow';
import { openGameDayWorkflow, scheduledExportWorkflow } from '../../src/exports/scheduled';
import { calendarDateIn } from '../../src/time';
import { timeSkippingWorker, type TestWorker } from '../helpers/servers';
import { recordingActivities } from '../helpers/activities';

const taskQueue = 'export-test';
let env: TestWorkflowEnvironment;
let testWorker: TestWorker;

type RecordedRun = ExportRun & { workflowId: string };
const exportRuns: RecordedRun[] = [];
const completes: ExportComplete[] = [];
const opened: string[] = [];
const { activities: recording, alerts } = recordingActivities();
/** Export types whose query "fails" in the current test. */
const failing = new Set<ExportType>();

before(async () => {
  testWorker = await timeSkippingWorker(taskQueue, {
    // Record what would be queried and written; the real I/O is tested against the emulators.
    runExport(run: ExportRun): Promise<ExportWritten> {
      exportRuns.push({ ...run, workflowId: Context.current().info.workflowExecution?.workflowId ?? 'none' });
      if (failing.has(run.exportType)) {
        return Promise.reject(ApplicationFailure.nonRetryable(`query for ${run.exportType} failed`, 'QueryFailed'));
      }
      return Promise.resolve({
        exportType: run.exportType,
        paths: exportPaths(run.exportType, run.targetDate, run.updateLatest),
        rowCount: 3,
      });
    },
    publishExportComplete(message: ExportComplete): Promise<string> {
      completes.push(message);
      return Promise.resolve(`message-${completes.length}`);
    },
    sendAlert: recording.sendAlert,
    openGameDay(gameDate: string): Promise<OpenedGameDay> {
      opened.push(gameDate);
      return Promise.resolve({ outcome: 'opened', workflowId: workflowIdFor(gameDate), gameDate });
    },
  });
  env = testWorker.env;
});

after(() => testWorker.stop());

let runs = 0;
const uniqueId = (what: string) => `${what}-${++runs}`;
const runsOf = (workflowId: string) => exportRuns.filter((r) => r.workflowId === workflowId);
const completesFor = (targetDate: string) => completes.filter((c) => c.target_date === targetDate);
const utcDate = (instant: Date) => instant.toISOString().slice(0, 10);

function tonightTrigger(targetDate: string): DailyExportTrigger {
  return {
    export_types: ['tonight', 'tonight-players', 'predictions', 'streaks'],
    target_date: targetDate,
    update_latest: true,
    trigger_source: 'orchestrator',
    triggered_by: 'phase5_to_phase6_orchestrator',
    correlation_id: `corr-${targetDate}`,
    trigger_id: gameDayTriggerId(targetDate, triggerKeys.phase6),
    phase: 'phase6',
    upstream_batch_id: `batch_${targetDate}`,
    upstream_predictions: 448,
  };
}

describe('export workflow', () => {
  it('resolves yesterday from the run’s start time, as a UTC date', async () => {
    const workflowId = uniqueId('export-yesterday');
    const handle = await testWorker.client.workflow.start(exportWorkflow, {
      workflowId,
      taskQueue,
      args: [{ export_types: ['results'], target_date: 'yesterday', update_latest: true }],
    });
    const report = await handle.result();
    const expected = addDays(utcDate((await handle.describe()).startTime), -1);
    assert.equal(report.target_date, expected);
    assert.deepEqual(
      runsOf(workflowId).map(({ exportType, targetDate, updateLatest }) => ({ exportType, targetDate, updateLatest })),
      [{ exportType: 'results', targetDate: expected, updateLatest: true }],
    );
    assert.deepEqual(report.paths, [`v1/results/${expected}.json`, 'v1/results/latest.json']);
    assert.equal(report.trigger_id, workflowId, 'a trigger without an id is identified by its run');
  });

  it('runs the player-profiles form for today with its min_games', async () => {
    const workflowId = uniqueId('export-profiles');
    const handle = await testWorker.client.workflow.start(exportWorkflow, {
      workflowId,
      taskQueue,
      args: [{ players: true, min_games: 7 }],
    });
    const report = await handle.result();
    const today = utcDate((await handle.describe()).startTime);
    assert.equal(report.status, 'success');
    assert.deepEqual(report.export_types, ['player-profiles']);
    assert.deepEqual(
      runsOf(workflowId).map(({ exportType, targetDate, minGames }) => ({ exportType, targetDate, minGames })),
      [{ exportType: 'player-profiles', targetDate: today, minGames: 7 }],
    );
  });

  it('reports partial success: the other types are written, the failure is listed, one report goes out', async () => {
    const date = new Date(await env.currentTimeMs()).toISOString().slice(0, 10); // today's (server time): latest files too
    failing.add('performance');
    try {
      const report = await testWorker.client.workflow.execute(exportWorkflow, {
        workflowId: exportWorkflowIdFor(date, 'results'),
        taskQueue,
        args: [
          {
            export_types: ['results', 'performance', 'best-bets'],
            target_date: date,
            update_latest: true,
            correlation_id: 'corr-x',
          },
        ],
      });
      assert.equal(report.status, 'partial');
      assert.deepEqual(report.succeeded, ['results', 'best-bets']);
      assert.deepEqual(report.failed, [{ export_type: 'performance', error: 'query for performance failed' }]);
      assert.deepEqual(report.paths, [
        `v1/results/${date}.json`,
        'v1/results/latest.json',
        `v1/best-bets/${date}.json`,
        'v1/best-bets/latest.json',
      ]);
      assert.deepEqual(report.row_counts, { results: 3, 'best-bets': 3 });
      assert.equal(runsOf(exportWorkflowIdFor(date, 'results')).length, 3, 'every type was attempted');
      assert.deepEqual(
        completes.filter((c) => c.trigger_id === report.trigger_id),
        [report],
        'export-complete published once, with the returned report',
      );
      assert.equal(report.correlation_id, 'corr-x');
      assert.deepEqual(
        alerts.filter((a) => a.game_date === date).map((a) => [a.kind, a.severity, a.correlation_id]),
        [['export-partial', 'warning', 'corr-x']],
      );
    } finally {
      failing.clear();
    }
  });

  it("writes an old day's dated files only, never the latest ones, even when asked to", async () => {
    const date = '2025-12-09';
    const report = await testWorker.client.workflow.execute(exportWorkflow, {
      workflowId: uniqueId('export-old-day'),
      taskQueue,
      args: [{ export_types: ['results'], target_date: date, update_latest: true }],
    });
    assert.equal(report.status, 'success');
    assert.deepEqual(report.paths, [`v1/results/${date}.json`]);
  });

  it('reports failed, still once, when every type fails', async () => {
    const date = '2025-12-11';
    failing.add('streaks');
    try {
      const report = await testWorker.client.workflow.execute(exportWorkflow, {
        workflowId: uniqueId('export-all-fail'),
        taskQueue,
        args: [{ export_types: ['streaks'], target_date: date, update_latest: false }],
      });
      assert.equal(report.status, 'failed');
      assert.deepEqual(report.succeeded, []);
      assert.deepEqual(report.paths, []);
      assert.equal(completesFor(date).length, 1);
      assert.deepEqual(
        alerts.filter((a) => a.game_date === date).map((a) => [a.kind, a.severity, a.title]),
        [['export-failed', 'critical', 'Exports failed: streaks']],
      );
    } finally {
      failing.clear();
    }
  });

  it('fails at once, without retrying, on a target date it cannot read', async () => {
    const workflowId = uniqueId('export-bad-date');
    await assert.rejects(
      testWorker.client.workflow.execute(exportWorkflow, {
        workflowId,
        taskQueue,
        args: [{ export_types: ['results'], target_date: '2025-02-30', update_latest: false }],
      }),
      (error: unknown) =>
        error instanceof WorkflowFailedError &&
        error.cause instanceof ApplicationFailure &&
        error.cause.type === 'InvalidExportRequest',
    );
    assert.equal(runsOf(workflowId).length, 0);
  });
});

describe('scheduled export workflow', () => {
  const backup = (targetDate: string, force?: boolean): ScheduledExportJob => ({
    schedule: 'phase6-tonight-picks',
    set: 'tonight',
    targetDate,
    ...(force === undefined ? {} : { force }),
  });

  it('runs the results set for yesterday as export-<date>-results', async () => {
    const handle = await testWorker.client.workflow.start(scheduledExportWorkflow, {
      workflowId: uniqueId('phase6-daily-results'),
      taskQueue,
      args: [{ schedule: 'phase6-daily-results', set: 'results', targetDate: 'yesterday' }],
    });
    const outcome = await handle.result();
    const yesterday = addDays(utcDate((await handle.describe()).startTime), -1);
    assert.equal(outcome.outcome, 'exported');
    assert.equal(outcome.workflowId, exportWorkflowIdFor(yesterday, 'results'));
    assert.ok(outcome.outcome === 'exported');
    assert.deepEqual(outcome.report.succeeded, ['results', 'performance', 'best-bets']);
    assert.equal(outcome.report.trigger_source, 'scheduler');
    assert.equal(outcome.report.triggered_by, 'phase6-daily-results');
    assert.equal(outcome.report.trigger_id, exportWorkflowIdFor(yesterday, 'results'));
  });

  it('the tonight backup does nothing new after the event-driven export, and runs again with force', async () => {
    const date = '2025-12-12';
    const tonightId = exportWorkflowIdFor(date, 'tonight');
    const eventDriven = await testWorker.client.workflow.execute(exportWorkflow, {
      workflowId: tonightId,
      taskQueue,
      args: [tonightTrigger(date)],
    });
    assert.equal(eventDriven.status, 'success');
    assert.equal(eventDriven.trigger_id, gameDayTriggerId(date, triggerKeys.phase6));
    assert.equal(runsOf(tonightId).length, 4);

    const skipped = await testWorker.client.workflow.execute(scheduledExportWorkflow, {
      workflowId: uniqueId('phase6-tonight-picks'),
      taskQueue,
      args: [backup(date)],
    });
    assert.deepEqual(skipped, { outcome: 'already-exported', workflowId: tonightId });
    assert.equal(runsOf(tonightId).length, 4, 'no export type ran again');
    assert.equal(completesFor(date).length, 1, 'no second report');

    const forced = await testWorker.client.workflow.execute(scheduledExportWorkflow, {
      workflowId: uniqueId('phase6-tonight-picks'),
      taskQueue,
      args: [backup(date, true)],
    });
    assert.equal(forced.outcome, 'exported');
    assert.equal(runsOf(tonightId).length, 8, 'every type ran again');
    assert.equal(completesFor(date).length, 2);
    assert.match(completesFor(date)[1]!.trigger_id, new RegExp(`^${tonightId}/forced/`));
  });

  it('the tonight backup exports a date the event-driven export never reached', async () => {
    const date = '2025-12-13';
    const outcome = await testWorker.client.workflow.execute(scheduledExportWorkflow, {
      workflowId: uniqueId('phase6-tonight-picks'),
      taskQueue,
      args: [backup(date)],
    });
    assert.equal(outcome.outcome, 'exported');
    assert.deepEqual(
      runsOf(exportWorkflowIdFor(date, 'tonight'))
        .map((r) => r.exportType)
        .sort(),
      ['predictions', 'streaks', 'tonight', 'tonight-players'],
    );
    assert.equal(completesFor(date).length, 1);
  });
});

describe('game-day opener', () => {
  it('opens the run of today’s date in Los Angeles', async () => {
    const handle = await testWorker.client.workflow.start(openGameDayWorkflow, {
      workflowId: uniqueId('game-day-opener'),
      taskQueue,
    });
    const result = await handle.result();
    const today = calendarDateIn('America/Los_Angeles', (await handle.describe()).startTime);
    assert.deepEqual(result, { outcome: 'opened', workflowId: workflowIdFor(today), gameDate: today });
    assert.equal(opened.at(-1), today);
  });
});
