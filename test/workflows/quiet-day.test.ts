// Issue 8's rest on the time-skipping server: a day without games is quiet, exports follow better
// prediction batches, and the run's own alerts (a partial phase, an expired date, a failed or
// partial export, the health check's stuck date) are delivered once per kind and date. Alerts go
// through the real `sendAlert` (the `alert-<kind>-<date>` workflow); only the delivery is recorded.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ScheduledDay, ScheduleVerdict } from '../../src/schedule/activities';
import type { ExportRun } from '../../src/exports/activities';
import { createOpenGameDayActivity, openDateRun, type OpenedGameDay } from '../../src/date-run/client';
import { openGameDayWorkflow } from '../../src/exports/scheduled';
import type { HealthReport } from '../../src/watch/rules';
import { alertWorkflowId } from '../../src/alerts/alert';
import { addDays } from '../../src/time';
import type { ExportComplete } from '../../src/messages/export-message';
import type { Trigger } from '../../src/messages/trigger';
import { pipeline } from '../../src/pipeline/definition';
import { gameDayTriggerId, triggerKeys, workflowIdFor } from '../../src/pipeline/ids';
import { zonedInstant } from '../../src/time';
import { statusQuery } from '../../src/date-run/status';
import { calendarDateIn } from '../../src/time';
import { completedBy, expiredBy } from '../helpers/clock';
import { eventually } from '../helpers/eventually';
import { completion, predictionBatch } from '../helpers/messages';
import { memoryRunHistory, timeSkippingWorker, type TestWorker } from '../helpers/servers';
import { recordingActivities } from '../helpers/activities';
import { dateRuns } from '../helpers/date-runs';

const taskQueue = 'quiet-day-test';
let env: TestWorkflowEnvironment;
let testWorker: TestWorker;
/** The plain client the real alert and opener activities use. */
let alertClient: Client | undefined;

const history = memoryRunHistory();
// The real dedupe: each alert's own workflow, started once per (kind, date).
const {
  activities: recording,
  alerts: raised,
  delivered,
  triggersFor,
} = recordingActivities({ alertClient: () => alertClient! });
const exportsRun: string[] = [];
/** What the schedule says per date; a date not here reads as BigQuery down. */
const schedules = new Map<string, ScheduleVerdict>();
const scheduleReads: string[] = [];
/** Export types that fail, per date. */
const failingExports = new Map<string, string[]>();
let healthReport: HealthReport = { healthy: true, checked_at: '', problems: [] };

before(async () => {
  testWorker = await timeSkippingWorker(taskQueue, {
    ...history.activities,
    ...recording,
    scheduledDay(gameDate: string): Promise<ScheduledDay> {
      scheduleReads.push(gameDate);
      const verdict = schedules.get(gameDate);
      if (!verdict) throw ApplicationFailure.nonRetryable('BigQuery unreachable');
      const games = verdict === 'games' ? 4 : 0;
      return Promise.resolve({ gameDate, verdict, games, before: 10, after: verdict === 'unknown' ? 0 : 10 });
    },
    featureRowCount: () => Promise.resolve(450),
    playersMissingPredictions: () => Promise.resolve(['lebron-james']),
    predictionCoverage: () => Promise.resolve({ predicted: 0, expected: 0, pct: 0 }),
    runExport(request: ExportRun) {
      exportsRun.push(`${request.targetDate}:${request.exportType}`);
      if (failingExports.get(request.targetDate)?.includes(request.exportType)) {
        throw ApplicationFailure.nonRetryable(`${request.exportType}: BigQuery unreachable`);
      }
      return Promise.resolve({ exportType: request.exportType, paths: [`v1/${request.exportType}.json`], rowCount: 1 });
    },
    publishExportComplete: () => Promise.resolve('export-complete'),
    checkHealth: () => Promise.resolve(healthReport),
    openGameDay: (gameDate: string, schedule?: ScheduledDay) =>
      createOpenGameDayActivity(alertClient!, taskQueue).openGameDay(gameDate, schedule),
  });
  env = testWorker.env;
  alertClient = testWorker.client;
});

after(() => testWorker.stop());

const { send } = dateRuns(() => env.client, taskQueue);
const sent = (date: string, topic: string) => triggersFor(date, topic).map((p) => p.message);
/** What reached the routes for `date`, once every alert raised for it has run its own workflow. */
async function alertsOf(date: string): Promise<string[][]> {
  for (const alert of raised.filter((a) => a.game_date === date)) {
    await testWorker.client.workflow.getHandle(alertWorkflowId(alert)).result();
  }
  return delivered.filter((a) => a.game_date === date).map((a) => [a.kind!, a.severity]);
}
/** By then a run for `date` that never completes has expired (a future date's lifetime starts with its day). */
const expiresBy = async (date: string) =>
  Math.max(
    await expiredBy(env),
    zonedInstant(date, '00:00', pipeline.phase5.timeZone) + pipeline.lifetime.maxOpenDuration + 60 * 60_000,
  );
const today = async () => calendarDateIn(pipeline.phase5.timeZone, new Date(await env.currentTimeMs()));

async function open(date: string): Promise<void> {
  await openDateRun(env.client, date, taskQueue, 'open');
}

describe('a day without games', () => {
  it('starts no predictions, retries nothing, alerts on nothing, and closes as no_games', async () => {
    const date = addDays(await today(), 3);
    schedules.set(date, 'no_games');
    await open(date);
    // A scraper that runs every day reports all the same.
    await send(completion('phase2', 'CdnInjuryReportProcessor', date, { status: 'no_data' }));

    // Past the backup deadline the run knows: `pipeline status` and health see a date waiting for nothing.
    await testWorker.skipTo(zonedInstant(date, '06:10', pipeline.phase5.timeZone));
    await eventually(
      () => testWorker.client.workflow.getHandle(workflowIdFor(date)).query(statusQuery),
      (status) => status.waiting_on === 'no_games',
      'the run to wait on nothing',
    );
    const outcome = await testWorker.resultBy(workflowIdFor(date), await completedBy(env, date));
    assert.equal(outcome, 'no_games');
    assert.deepEqual(sent(date, pipeline.topics.phase5Start), [], 'no backup predictions start');
    assert.deepEqual(sent(date, pipeline.topics.phase5Retry), [], 'no straggler retries');
    assert.deepEqual(await alertsOf(date), [], 'no SLA alert, nothing at all');
    assert.equal(history.closed.get(date)?.outcome, 'no_games');
    const close = [...history.events.values()].find((e) => e.gameDate === date && e.kind === 'close');
    assert.equal(close?.detail?.outcome, 'no_games');
    assert.deepEqual(scheduleReads.filter((d) => d === date).length, 1, 'phase 5 read the schedule once');
  });

  it('opened by the daily opener, which read the schedule: phase 5 does not ask again', async () => {
    // The opener opens the Los Angeles date it fires on: fire it just after midnight there.
    const date = addDays(await today(), 2);
    await testWorker.skipTo(zonedInstant(date, '00:05', pipeline.phase5.timeZone));
    schedules.set(date, 'no_games');
    const opened: OpenedGameDay = await testWorker.client.workflow.execute(openGameDayWorkflow, {
      workflowId: `open-${date}`,
      taskQueue,
    });
    assert.deepEqual(opened, { outcome: 'opened', workflowId: workflowIdFor(date), gameDate: date });
    assert.equal(await testWorker.resultBy(workflowIdFor(date), await completedBy(env, date)), 'no_games');
    assert.equal(scheduleReads.filter((d) => d === date).length, 1, 'read by the opener only');
    assert.deepEqual(sent(date, pipeline.topics.phase5Start), []);
    assert.deepEqual(await alertsOf(date), []);
  });

  it('a past date without games that never completes closes as no_games, not expired, without an alert', async () => {
    const date = '2025-11-27'; // a past date: no deadlines, phase 5 never reads the schedule
    schedules.set(date, 'no_games');
    await send(completion('phase2', 'CdnInjuryReportProcessor', date));
    assert.equal(await testWorker.resultBy(workflowIdFor(date), await expiredBy(env)), 'no_games');
    assert.deepEqual(await alertsOf(date), []);
    assert.equal(history.closed.get(date)?.outcome, 'no_games');
  });

  it('a schedule BigQuery cannot read does not silence a game day: backup start, retries and the SLA alert', async () => {
    const date = addDays(await today(), 4); // not in `schedules`: every read fails
    await open(date);
    assert.equal(await testWorker.resultBy(workflowIdFor(date), await expiresBy(date)), 'expired');
    const [start, ...more] = sent(date, pipeline.topics.phase5Start);
    assert.equal(more.length, 0);
    assert.equal(start?.trigger_source, 'backup');
    assert.equal(sent(date, pipeline.topics.phase5Retry).length, 2);
    assert.deepEqual(await alertsOf(date), [
      ['sla', 'critical'],
      ['date-expired', 'critical'],
    ]);
  });

  it('a schedule that does not reach past the date is unknown: the day is a game day', async () => {
    const date = addDays(await today(), 5);
    schedules.set(date, 'unknown');
    await open(date);
    assert.equal(await testWorker.resultBy(workflowIdFor(date), await expiresBy(date)), 'expired');
    assert.equal(sent(date, pipeline.topics.phase5Start).length, 1);
    assert.deepEqual(await alertsOf(date), [
      ['sla', 'critical'],
      ['date-expired', 'critical'],
    ]);
  });
});

describe('exports follow the best predictions', () => {
  it('a better batch re-exports once; a worse or equal one, or a repeat, does not', async () => {
    const date = '2025-11-20'; // a past date: event-driven only
    const exportTriggers = () =>
      sent(date, pipeline.topics.phase6ExportTrigger) as Extract<Trigger, { phase: 'phase6' }>[];
    await send(predictionBatch(date, 1, 85, 'partial'));
    await eventually(
      () => exportsRun.filter((e) => e.startsWith(date)).length,
      (n) => n === 4,
      'the first export',
    );
    await send(predictionBatch(date, 2, 85, 'partial')); // equal
    await send(predictionBatch(date, 3, 82, 'partial')); // worse
    await send(predictionBatch(date, 4, 96, 'success')); // better
    await send(predictionBatch(date, 4, 96, 'success')); // the same delivery again
    await eventually(
      () => exportsRun.filter((e) => e.startsWith(date)).length,
      (n) => n === 8,
      'the re-export',
    );
    await send(predictionBatch(date, 5, 90, 'partial')); // better than the first, worse than the last export
    const handle = testWorker.client.workflow.getHandle(workflowIdFor(date));
    await handle.query('status'); // every signal above handled

    const triggers = exportTriggers();
    assert.deepEqual(
      triggers.map((t) => [t.trigger_id, t.upstream_batch_id]),
      [
        [gameDayTriggerId(date, triggerKeys.phase6), `batch_${date}_1`],
        [gameDayTriggerId(date, triggerKeys.phase6Better(1)), `batch_${date}_4`],
      ],
    );
    assert.equal(`${gameDayTriggerId(date, 'phase6')}/better-1`, triggers[1]!.trigger_id);
    assert.equal(exportsRun.filter((e) => e.startsWith(date)).length, 8, 'tonight exported twice, no more');
    // Partial batches: one phase-partial warning for the date, however many arrived.
    assert.deepEqual(await alertsOf(date), [['phase-partial', 'warning']]);
  });
});

describe('alerts the run raises', () => {
  it('an export run that partly failed warns once, one that failed is critical', async () => {
    const partly = '2025-11-21';
    const failed = '2025-11-22';
    failingExports.set(partly, ['streaks']);
    failingExports.set(failed, ['tonight', 'predictions']);
    const exportOf = (date: string, n: number, types: string[]) =>
      env.client.workflow.execute('exportWorkflow', {
        workflowId: `export-test-${date}-${n}`,
        taskQueue,
        args: [{ export_types: types, target_date: date, trigger_source: 'manual', trigger_id: `t-${date}-${n}` }],
      }) as Promise<ExportComplete>;

    assert.equal((await exportOf(partly, 1, ['tonight', 'streaks'])).status, 'partial');
    assert.equal((await exportOf(partly, 2, ['predictions', 'streaks'])).status, 'partial');
    assert.equal((await exportOf(failed, 1, ['tonight', 'predictions'])).status, 'failed');
    assert.equal((await exportOf('2025-11-23', 1, ['tonight'])).status, 'success');

    assert.deepEqual(
      await alertsOf(partly),
      [
        ['export-partial', 'warning'],
        ['export-partial', 'warning'],
      ],
      'two partial export runs: an alert each, naming its run',
    );
    assert.deepEqual(
      raised.filter((a) => a.game_date === partly).map((a) => alertWorkflowId(a)),
      [
        `alert-export-partial-${partly}-export-test-${partly}-1`,
        `alert-export-partial-${partly}-export-test-${partly}-2`,
      ],
    );
    assert.deepEqual(await alertsOf(failed), [['export-failed', 'critical']]);
    assert.match(delivered.find((a) => a.game_date === failed)!.title, /failed: tonight, predictions/);
    assert.deepEqual(await alertsOf('2025-11-23'), []);
  });

  it('a date that expires alerts once', async () => {
    const date = '2025-11-24';
    await send(completion('phase2', 'BdlGamesProcessor', date));
    assert.equal(await testWorker.resultBy(workflowIdFor(date), await expiredBy(env)), 'expired');
    assert.deepEqual(await alertsOf(date), [['date-expired', 'critical']]);
    assert.match(delivered.find((a) => a.game_date === date)!.title, /waiting on phase2/);
  });

  it('a stuck date found by two health checks pages once', async () => {
    const date = '2025-11-25';
    healthReport = {
      healthy: false,
      checked_at: new Date().toISOString(),
      problems: [
        {
          kind: 'date-stuck',
          game_date: date,
          detail: 'waits on phase2 (20/21, missing NbacGamebookProcessor) past its deadline',
        },
      ],
    };
    type HealthRun = { alerts: { outcome: string; workflowId: string }[] };
    const check = (n: number) =>
      testWorker.client.workflow.execute('healthWorkflow', {
        workflowId: `health-${n}`,
        taskQueue,
      }) as Promise<HealthRun>;
    const first = await check(1);
    const second = await check(2);
    const stuck = (run: HealthRun) => run.alerts.find((a) => a.workflowId === `alert-date-stuck-${date}`)?.outcome;
    assert.equal(stuck(first), 'raised');
    assert.equal(stuck(second), 'deduplicated');
    assert.deepEqual(await alertsOf(date), [['date-stuck', 'critical']]);
  });
});
