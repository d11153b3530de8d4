// A whole game day on the time-skipping server and the seed's clock: last night's results handed
// over to this morning's slate, every phase, the backup path of a late night, both retries, the SLA
// alert and the 5→6 gate, in seconds of wall time. Activities record what they would do; the real
// ones are tested against Pub/Sub and BigQuery in their own integration tests.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { openDateRun } from '../../src/date-run/client';
import type { ExportRun } from '../../src/exports/activities';
import type { ExportComplete } from '../../src/messages/export-message';
import { addDays } from '../../src/time';
import type { Trigger } from '../../src/messages/trigger';
import { pipeline } from '../../src/pipeline/definition';
import { gameDayTriggerId, phase5WorkflowId, triggerKeys, workflowIdFor } from '../../src/pipeline/ids';
import { zonedInstant } from '../../src/time';
import { completion, predictionBatch, processorNames } from '../helpers/messages';
import { completedBy, phase5Over } from '../helpers/clock';
import { eventually } from '../helpers/eventually';
import { timeSkippingWorker, type TestWorker } from '../helpers/servers';
import { recordingActivities } from '../helpers/activities';
import { dateRuns, started } from '../helpers/date-runs';

const taskQueue = 'whole-day-test';
let env: TestWorkflowEnvironment;
let testWorker: TestWorker;

const { activities: recording, published, alerts, triggersFor } = recordingActivities();
const exportsRun: string[] = [];
const exportReports: unknown[] = [];
/** What BigQuery answers, per date: feature rows by call, missing players, coverage. */
const tables = new Map<string, { featureRows: number[]; missing: string[]; coveragePct: number }>();

// Each test gets its own server: time skipped for one day must not move another day's clock.
beforeEach(async () => {
  alerts.length = 0;
  published.length = 0; // each test's server has a clock of its own: the same dates come round again
  exportsRun.length = 0;
  testWorker = await timeSkippingWorker(taskQueue, {
    ...recording,
    featureRowCount(gameDate: string) {
      const rows = tables.get(gameDate)?.featureRows ?? [0];
      return Promise.resolve(rows.length > 1 ? rows.shift()! : rows[0]!);
    },
    playersMissingPredictions(gameDate: string) {
      return Promise.resolve(tables.get(gameDate)?.missing ?? []);
    },
    predictionCoverage(gameDate: string) {
      const pct = tables.get(gameDate)?.coveragePct ?? 100;
      return Promise.resolve({ predicted: pct, expected: 100, pct });
    },
    runExport(request: ExportRun) {
      exportsRun.push(`${request.targetDate}:${request.exportType}`);
      return Promise.resolve({
        exportType: request.exportType,
        paths: [`v1/${request.exportType}/${request.targetDate}.json`],
        rowCount: 3,
      });
    },
    publishExportComplete(report: ExportComplete) {
      exportReports.push(report);
      return Promise.resolve('export-complete-1');
    },
  });
  env = testWorker.env;
});

afterEach(() => testWorker.stop());

const { send, status, completePhase } = dateRuns(() => env.client, taskQueue);
const sent = (date: string, topic?: string) => triggersFor(date, topic).map((p) => p.message);

/** A game date some days after today's by the server's clock, which time skipping moves ahead. */
const daysAhead = async (days: number) => addDays(new Date(await env.currentTimeMs()).toISOString().slice(0, 10), days);

/** Waits for the date's phase 5 child to exist (the run starts it on its first task), then for its end. */
async function phase5Finished(date: string): Promise<void> {
  const handle = await started(testWorker.client, phase5WorkflowId(date));
  await testWorker.skipTo(phase5Over(date));
  await handle.result();
}

/** Workflow time at a step: the scheduled minute, plus the moments its activities took. */
function assertAbout(actual: number, expected: number): void {
  assert.ok(
    actual >= expected && actual - expected < 60_000,
    `${new Date(actual).toISOString()} is not just after ${new Date(expected).toISOString()}`,
  );
}

async function completePhases2and3(date: string): Promise<void> {
  await completePhase(date, 'phase2');
  await completePhase(date, 'phase3');
}

async function completeLevel(date: string, level: number, metadata?: Record<string, unknown>): Promise<void> {
  const names = pipeline.phase4Levels.find((l) => l.level === level)!.processors;
  for (const name of names) await send(completion('phase4', name, date, metadata ? { metadata } : {}));
}

describe('a whole game day', () => {
  it("hands a night's results to the next date's slate, whose predictions start from phase 4 before the backup", async () => {
    const night = await daysAhead(5); // the games of the night before (D)
    const date = addDays(night, 1); // this morning's slate (N), ahead of the server clock: its deadlines apply
    const et = (hhmm: string) => zonedInstant(date, hhmm, 'America/New_York');
    tables.set(date, { featureRows: [450], missing: [], coveragePct: 99 });

    // The seed's clock: scrapers from 03:00 ET, phase 2 complete by 06:00, phase 3 at 07:30.
    const [firstScraper, ...otherScrapers] = processorNames('phase2');
    await testWorker.skipTo(et('03:00'));
    await send(completion('phase2', firstScraper!, night));
    await testWorker.skipTo(et('06:00'));
    for (const name of otherScrapers) await send(completion('phase2', name, night));
    await eventually(
      () => status(night),
      (s) => s.phases.phase2.status === 'triggered',
    );
    await testWorker.skipTo(et('07:30'));
    for (const name of processorNames('phase3')) await send(completion('phase3', name, night));
    await eventually(
      () => sent(date, pipeline.topics.phase4Trigger).length,
      (n) => n === 1,
    );

    // The slate's features at about 08:00 ET (05:00 PT).
    await testWorker.skipTo(et('08:00'));
    await completeLevel(date, 1);
    await eventually(
      () => sent(date, pipeline.topics.phase4Trigger).length,
      (n) => n === 2,
    );
    await completeLevel(date, 2);
    await eventually(
      () => sent(date, pipeline.topics.phase4Trigger).length,
      (n) => n === 3,
    );
    await completeLevel(date, 3, { players_ready: 448, players_total: 450 });
    await eventually(
      () => sent(date, pipeline.topics.phase5Start).length,
      (n) => n === 1,
    );

    await send(predictionBatch(date, 1, 99.6, 'success'));
    await send(predictionBatch(date, 1, 99.6, 'success')); // a duplicate delivery
    await eventually(
      () => status(date),
      (s) => s.phases.phase6.status === 'triggered',
    );
    // The slate's own results come the night after; then time moves through the quiet period.
    await testWorker.skipTo(et('07:00') + 24 * 60 * 60_000);
    await completePhases2and3(date);
    assert.equal(await testWorker.resultBy(workflowIdFor(date), await completedBy(env, date)), 'completed');

    assert.deepEqual(
      sent(night).map((t) => t.phase),
      ['phase3'],
      "the night's results publish phase 3 only (its own slate was another morning's)",
    );
    const levels = sent(date, pipeline.topics.phase4Trigger).map(
      (t) => t.phase === 'phase4' && [t.level, t.processors, t.results_of, t.correlation_id],
    );
    assert.deepEqual(levels, [
      [1, ['team_defense_zone', 'player_shot_zone', 'player_daily_cache'], night, `corr-${night}`],
      [2, ['player_composite_factors'], night, `corr-${night}`],
      [3, ['ml_feature_store_v2'], night, `corr-${night}`],
    ]);
    const [start] = sent(date, pipeline.topics.phase5Start);
    assert.ok(start && start.phase === 'phase5' && 'players_ready' in start);
    assert.equal(start.trigger_source, 'orchestrator');
    assert.ok(
      Date.parse(start.timestamp) < zonedInstant(date, pipeline.phase5.backupAt, pipeline.phase5.timeZone),
      `predictions started at ${start.timestamp}, before the 06:00 PT backup`,
    );
    assert.equal(start.correlation_id, `corr-${night}`, 'one chain from the scrapers to the predictions');
    assert.equal(start.players_ready, 448);
    assert.equal(start.players_total, 450);
    assert.equal(sent(date, pipeline.topics.phase5Retry).length, 0, 'predictions complete: no retries');

    const exportTriggers = sent(date, pipeline.topics.phase6ExportTrigger);
    assert.equal(exportTriggers.length, 1);
    const trigger = exportTriggers[0] as Extract<Trigger, { phase: 'phase6' }>;
    assert.deepEqual(trigger.export_types, ['tonight', 'tonight-players', 'predictions', 'streaks']);
    assert.equal(trigger.target_date, date);
    assert.equal(trigger.update_latest, true, "this morning's slate is the current game date: latest files too");
    assert.equal(trigger.upstream_batch_id, `batch_${date}_1`);
    assert.equal(trigger.upstream_predictions, 448);
    assert.deepEqual(exportsRun.filter((e) => e.startsWith(date)).sort(), [
      `${date}:predictions`,
      `${date}:streaks`,
      `${date}:tonight`,
      `${date}:tonight-players`,
    ]);
    assert.deepEqual(
      alerts.filter((a) => a.game_date === date),
      [],
      'coverage 99%: no SLA alert',
    );

    const final = await status(date);
    assert.equal(final.waiting_on, 'closed');
    for (const phase of ['phase2', 'phase3', 'phase4', 'phase5', 'phase6'] as const) {
      assert.equal(final.phases[phase].status, 'triggered', phase);
    }
    assert.equal(final.slate?.results_of, night);
    assert.equal(final.results?.handed_over_to, addDays(date, 1));
    assert.equal(final.phases.phase6.completed_count, 4);
    const order = ['phase4/1', 'phase4/2', 'phase4/3', 'phase5', 'phase6', 'phase3', 'handover'].map(
      (k) => final.triggers?.[k]?.firedAt ?? '',
    );
    assert.deepEqual(order, [...order].sort(), 'the slate in the morning, its results the night after');
  });

  it('a late night (gamebooks at 14:45 ET): predictions start by the backup path, retries stragglers twice and raises the SLA alert', async () => {
    const date = await daysAhead(6);
    const night = addDays(date, -1);
    const et = (hhmm: string) => zonedInstant(date, hhmm, 'America/New_York');
    // Phase 4 never reports by the backup; BigQuery has no features at 06:00, then 120 rows at 06:05.
    tables.set(date, { featureRows: [0, 120], missing: ['lebron-james', 'stephen-curry'], coveragePct: 70 });
    await openDateRun(env.client, date, taskQueue, 'open'); // the opener, at midnight
    await testWorker.skipTo(et('03:00'));
    const late = 'NbacGamebookProcessor';
    for (const name of processorNames('phase2').filter((n) => n !== late))
      await send(completion('phase2', name, night));
    await phase5Finished(date); // time skips to 07:00 PT

    const [start, ...others] = sent(date, pipeline.topics.phase5Start);
    assert.equal(others.length, 0, 'exactly one start');
    assert.ok(start && start.phase === 'phase5' && 'players_ready' in start);
    assert.equal(start.trigger_source, 'backup');
    assert.equal(start.players_ready, 120);
    assertAbout(Date.parse(start.timestamp), zonedInstant(date, '06:05', 'America/Los_Angeles'));

    const retries = sent(date, pipeline.topics.phase5Retry);
    assert.deepEqual(
      retries.map((r) => r.phase === 'phase5' && 'attempt' in r && [r.attempt, r.players, r.trigger_id]),
      [
        [1, ['lebron-james', 'stephen-curry'], gameDayTriggerId(date, triggerKeys.phase5Retry(1))],
        [2, ['lebron-james', 'stephen-curry'], gameDayTriggerId(date, triggerKeys.phase5Retry(2))],
      ],
    );
    assertAbout(Date.parse(retries[0]!.timestamp), zonedInstant(date, '06:15', 'America/Los_Angeles'));
    assertAbout(Date.parse(retries[1]!.timestamp), zonedInstant(date, '06:30', 'America/Los_Angeles'));
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.severity, 'critical');
    assert.equal(alerts[0]!.game_date, date);
    assert.match(alerts[0]!.title, /70% .* 90% SLA/);

    // The gamebooks at 14:45 ET: the night completes and hands over; phase 4 runs, still one start.
    await testWorker.skipTo(et('14:45'));
    await send(completion('phase2', late, night));
    for (const name of processorNames('phase3')) await send(completion('phase3', name, night));
    await eventually(
      () => sent(date, pipeline.topics.phase4Trigger).length,
      (n) => n === 1,
    );
    await completeLevel(date, 1);
    await completeLevel(date, 2);
    await completeLevel(date, 3);
    await eventually(
      () => sent(date, pipeline.topics.phase4Trigger).length,
      (n) => n === 3,
    );
    await eventually(
      () => status(date),
      (s) => s.phases.phase4.completed_count === 5,
    );
    assert.equal(sent(date, pipeline.topics.phase5Start).length, 1);
  });

  it('turns away predictions under 80% and fires on the first that passes', async () => {
    const date = await daysAhead(7);
    await send(predictionBatch(date, 1, 79, 'success'));
    await send(predictionBatch(date, 2, 95, 'failed'));
    let s = await eventually(
      () => status(date),
      (v) => (v.rejected_predictions ?? []).length === 2,
    );
    assert.deepEqual(s.rejected_predictions, [
      'completion_pct 79 is under the 80% minimum',
      'status failed is not one of success, partial',
    ]);
    assert.equal(sent(date, pipeline.topics.phase6ExportTrigger).length, 0);

    await send(predictionBatch(date, 3, 85, 'partial'));
    s = await eventually(
      () => status(date),
      (v) => v.phases.phase6.status === 'triggered',
    );
    const exportTriggers = sent(date, pipeline.topics.phase6ExportTrigger);
    assert.equal(exportTriggers.length, 1);
    assert.equal((exportTriggers[0] as Extract<Trigger, { phase: 'phase6' }>).upstream_batch_id, `batch_${date}_3`);
  });

  it('runs deadlines for a day opened by the schedule, with no message at all', async () => {
    const date = await daysAhead(8);
    tables.set(date, { featureRows: [0], missing: [], coveragePct: 0 });
    await openDateRun(env.client, date, taskQueue, 'open');
    await phase5Finished(date);
    const [start] = sent(date, pipeline.topics.phase5Start);
    assert.equal(start?.trigger_source, 'backup', 'started anyway after 30 minutes');
    assertAbout(Date.parse(start.timestamp), zonedInstant(date, '06:30', 'America/Los_Angeles'));
    assert.equal(alerts.length, 1, 'no predictions at all: the SLA alert');
  });

  it('85 % coverage gets both straggler retries, and a day the opener started carries the correlation id', async () => {
    const date = await daysAhead(9);
    tables.set(date, { featureRows: [450], missing: ['lebron-james'], coveragePct: 85 });
    await openDateRun(env.client, date, taskQueue, 'open');
    // The night before hands its correlation id over after phase 5 started without one.
    for (const phase of ['phase2', 'phase3'] as const)
      for (const name of processorNames(phase))
        await send(completion(phase, name, addDays(date, -1), { correlationId: 'corr-late' }));
    await send({ ...predictionBatch(date, 1, 85, 'partial'), correlationId: 'corr-late' });
    await eventually(
      () => status(date),
      (s) => s.phases.phase6.status === 'triggered',
    );
    await phase5Finished(date);

    const [start] = sent(date, pipeline.topics.phase5Start);
    assert.equal(start?.correlation_id, 'corr-late');
    const retries = sent(date, pipeline.topics.phase5Retry);
    assert.deepEqual(
      retries.map((r) => r.phase === 'phase5' && 'attempt' in r && [r.attempt, r.players, r.correlation_id]),
      [
        [1, ['lebron-james'], 'corr-late'],
        [2, ['lebron-james'], 'corr-late'],
      ],
    );
    const sla = alerts.filter((a) => a.game_date === date && a.kind === 'sla');
    assert.deepEqual(
      sla.map((a) => [a.kind, a.correlation_id]),
      [['sla', 'corr-late']],
    );
  });

  it('closes after a quiet period, and a late completion then fires nothing', async () => {
    const date = '2025-11-07'; // a past date: event-driven only, no deadlines
    await completePhases2and3('2025-11-06'); // the night before hands over to this slate
    await eventually(
      () => sent(date, pipeline.topics.phase4Trigger).length,
      (n) => n === 1,
    );
    for (const level of [1, 2, 3]) await completeLevel(date, level);
    await completePhases2and3(date);
    await send(predictionBatch(date, 1, 100, 'success'));
    const handle = testWorker.client.workflow.getHandle(workflowIdFor(date));
    assert.equal(await testWorker.resultBy(workflowIdFor(date), await completedBy(env, date)), 'completed');
    const firedBefore = sent(date).length;
    assert.equal(firedBefore, 6); // phase 3, three levels, phase 5 start, exports

    const late = await send(completion('phase2', 'BdlGamesProcessor', date, { executionId: 'late-run' }));
    assert.equal(late.outcome, 'late');
    assert.equal(sent(date).length, firedBefore);
    assert.equal((await handle.describe()).status.name, 'COMPLETED');
  });

  it('counts phase 4 completions that arrive before the cascade starts', async () => {
    const date = '2025-11-10';
    await completeLevel(date, 1); // early, out of order
    await completePhases2and3('2025-11-09');
    await eventually(
      () => sent(date, pipeline.topics.phase4Trigger).length,
      (n) => n === 2,
    );
    assert.deepEqual(
      sent(date, pipeline.topics.phase4Trigger).map((t) => t.trigger_id),
      [gameDayTriggerId(date, triggerKeys.phase4Level(1)), gameDayTriggerId(date, triggerKeys.phase4Level(2))],
    );
  });
});
