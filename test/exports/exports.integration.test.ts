// Export runs with the real activities against the real emulators: bqemulator seeded with sample
// days, the Pub/Sub emulator, and a temporary export directory. Temporal is the time-skipping server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BigQuery } from '@google-cloud/bigquery';
import { type Client } from '@temporalio/client';
import type { Message, Subscription } from '@google-cloud/pubsub';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createExportActivities, type ExportActivities, type ExportDocument } from '../../src/exports/activities';
import { createOpenGameDayActivity } from '../../src/date-run/client';
import { localDirectoryStorage } from '../../src/exports/storage';
import { seedSampleDay, type SampleDay } from '../../dev/sample/sample-day';
import type { ExportComplete } from '../../src/messages/export-message';
import { parseExportComplete } from '../helpers/export-parsers';
import { until } from '../helpers/eventually';
import { completedActivities } from '../helpers/idle-runs';
import { addDays } from '../../src/time';
import { pipeline } from '../../src/pipeline/definition';
import { gameDayTimeZone } from '../../src/time';
import { exportWorkflowIdFor, gameDayTriggerId, triggerKeys } from '../../src/pipeline/ids';
import { exportWorkflow } from '../../src/exports/workflow';
import { calendarDateIn } from '../../src/time';
import {
  startBigQueryEmulator,
  startPubSubEmulator,
  tempDir,
  clockHoldingClient,
  timeSkippingEnvironment,
  workflowBundle,
  type BigQueryEmulator,
  type PubSubEmulator,
} from '../helpers/servers';

const taskQueue = 'exports-integration';
const project = 'nba-props-platform';
// Today's game date: only the current day's exports update the website's latest files.
const gameDate = calendarDateIn(gameDayTimeZone, new Date());
const resultsDate = addDays(gameDate, -1);

let env: TestWorkflowEnvironment;
let client: Client;
let bigqueryEmulator: BigQueryEmulator;
let bigquery: BigQuery;
let emulator: PubSubEmulator;
let observer: Subscription;
let worker: Worker;
let running: Promise<void>;
let exportDir: string;
let today: SampleDay;
let yesterday: SampleDay;
const reports: Array<{ id: string; report: ExportComplete; attributes: Record<string, string> }> = [];

before(async () => {
  const dir = tempDir('exports-it');
  exportDir = path.join(dir, 'exports');
  [env, emulator, bigqueryEmulator] = await Promise.all([
    timeSkippingEnvironment(),
    startPubSubEmulator(dir, project),
    startBigQueryEmulator(dir, project),
  ]);
  // Exports need no time to pass: this client's waits never let the server skip time.
  client = await clockHoldingClient(env);
  bigquery = bigqueryEmulator.bigquery;
  // The results of the day before `gameDate` are in `gameDate`'s sample; its predictions in its own.
  yesterday = await seedSampleDay(bigquery, resultsDate, { players: 40 });
  today = await seedSampleDay(bigquery, gameDate, { players: 40, predictionCoverage: 0.5 });

  [observer] = await emulator.pubsub
    .topic(pipeline.topics.phase6ExportComplete)
    .createSubscription('observer-export-complete');
  observer.on('message', (m: Message) => {
    m.ack();
    const parsed = parseExportComplete(m.data.toString('utf8'));
    if (!parsed.ok) throw new Error(`unreadable export-complete message: ${parsed.reason}`);
    reports.push({ id: m.id, report: parsed.value, attributes: m.attributes });
  });

  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: {
      ...createExportActivities({ bigquery, pubsub: emulator.pubsub, storage: localDirectoryStorage(exportDir) }),
      ...createOpenGameDayActivity(client),
    },
  });
  running = worker.run();
});

after(async () => {
  worker.shutdown();
  await running;
  await observer.close();
  await emulator.stop();
  await bigqueryEmulator.stop();
  await env.teardown();
});

function readExport(objectPath: string): ExportDocument {
  return JSON.parse(fs.readFileSync(path.join(exportDir, objectPath), 'utf8')) as ExportDocument;
}

const publishExportComplete: keyof ExportActivities = 'publishExportComplete';

/**
 * The export-complete messages for `triggerId`, once the observer has every one the closed run
 * `workflowId` published: a second report is a second completed publish in its history, so it is
 * awaited and counted too.
 */
async function reportsOf(workflowId: string, triggerId = workflowId): Promise<typeof reports> {
  const published = (await completedActivities(client, [workflowId]))
    .filter((a) => a.activityType === publishExportComplete)
    .map((a) => a.result);
  await until(
    () => published.every((id) => reports.some((r) => r.id === id)),
    `the export-complete messages of ${workflowId}`,
  );
  return reports.filter((r) => r.report.trigger_id === triggerId);
}

describe('exports on the real emulators', () => {
  it('writes tonight’s files for a seeded date and reports once on nba-phase6-export-complete', async () => {
    const triggerId = gameDayTriggerId(gameDate, triggerKeys.phase6);
    const workflowId = exportWorkflowIdFor(gameDate, 'tonight');
    const report = await client.workflow.execute(exportWorkflow, {
      workflowId,
      taskQueue,
      args: [
        {
          export_types: ['tonight', 'tonight-players', 'predictions', 'streaks'],
          target_date: gameDate,
          update_latest: true,
          trigger_source: 'orchestrator',
          triggered_by: 'phase5_to_phase6_orchestrator',
          correlation_id: `corr-${gameDate}`,
          trigger_id: triggerId,
          phase: 'phase6',
        },
      ],
    });
    assert.equal(report.status, 'success', JSON.stringify(report.failed));

    const tonight = readExport('v1/tonight/all-players.json');
    assert.equal(tonight.export_type, 'tonight');
    assert.equal(tonight.target_date, gameDate);
    assert.ok(!Number.isNaN(Date.parse(tonight.generated_at)));
    assert.equal(tonight.rows.length, today.context.length, 'everyone playing on the date');
    assert.equal(
      tonight.rows.filter((r) => r.has_prediction === true).length,
      today.predictions.length / 2,
      'one primary pick each',
    );
    assert.deepEqual(readExport(`v1/tonight/${gameDate}/all-players.json`).rows, tonight.rows, 'the dated copy');

    const predictions = readExport('v1/predictions/today.json');
    assert.equal(predictions.rows.length, today.predictions.length);
    assert.equal(readExport('v1/tonight/players.json').rows.length, today.predictions.length / 2);
    assert.equal(readExport(`v1/streaks/${gameDate}.json`).row_count, readExport('v1/streaks/today.json').rows.length);
    assert.deepEqual(report.row_counts, {
      tonight: today.context.length,
      'tonight-players': today.predictions.length / 2,
      predictions: today.predictions.length,
      streaks: readExport('v1/streaks/today.json').rows.length,
    });

    const published = await reportsOf(workflowId, triggerId);
    assert.equal(published.length, 1, 'exactly one export-complete message');
    assert.deepEqual(published[0]!.report, report);
    assert.equal(published[0]!.attributes.trigger_id, triggerId);
    assert.equal(published[0]!.attributes.status, 'success');
  });

  it('grades the day before: results, performance and best bets, without touching latest when not asked', async () => {
    const workflowId = exportWorkflowIdFor(resultsDate, 'results');
    const report = await client.workflow.execute(exportWorkflow, {
      workflowId,
      taskQueue,
      args: [{ export_types: ['results', 'performance', 'best-bets'], target_date: resultsDate, update_latest: false }],
    });
    assert.equal(report.status, 'success', JSON.stringify(report.failed));
    assert.deepEqual(report.paths, [
      `v1/results/${resultsDate}.json`,
      `v1/systems/performance/${resultsDate}.json`,
      `v1/best-bets/${resultsDate}.json`,
    ]);
    assert.ok(!fs.existsSync(path.join(exportDir, 'v1/results/latest.json')));

    const results = readExport(`v1/results/${resultsDate}.json`);
    assert.equal(results.rows.length, today.results.length, "the date's box scores");
    const graded = results.rows.filter((r) => r.pick_correct !== null);
    const picks = yesterday.predictions.filter((p) => p.system_id === 'ensemble_v1' && p.recommendation !== 'PASS');
    assert.equal(graded.length, picks.length, 'every primary pick graded');

    const performance = readExport(`v1/systems/performance/${resultsDate}.json`);
    assert.deepEqual(performance.rows.map((r) => r.system_id).sort(), ['ensemble_v1', 'moving_average_baseline_v1']);

    const published = await reportsOf(workflowId);
    assert.equal(published.length, 1);
    assert.equal(published[0]!.report.status, 'success');
  });

  it('writes player profiles for players with at least min_games games', async () => {
    const workflowId = exportWorkflowIdFor(gameDate, 'player-profiles');
    // Two seeded days hold two graded games per player (the results of each day before).
    const report = await client.workflow.execute(exportWorkflow, {
      workflowId,
      taskQueue,
      args: [{ players: true, min_games: 2, target_date: gameDate }],
    });
    assert.equal(report.status, 'success', JSON.stringify(report.failed));
    const profiles = readExport(`v1/players/snapshots/${gameDate}.json`);
    assert.equal(profiles.rows.length, today.context.length);
    assert.ok(profiles.rows.every((r) => r.games_played === 2));

    const stricter = await client.workflow.execute(exportWorkflow, {
      workflowId: `${workflowId}-min-3`,
      taskQueue,
      args: [{ players: true, min_games: 3, target_date: gameDate }],
    });
    assert.deepEqual(stricter.row_counts, { 'player-profiles': 0 });
    assert.equal((await reportsOf(workflowId)).length, 1);
  });
});
