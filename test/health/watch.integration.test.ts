// The watch on real servers (Temporal dev server, Pub/Sub emulator, bqemulator) and a real worker:
// a date left at 20/21 two days ago, its 21st processor in the run history, dead letters, duplicate
// rows, an expired date. `pipeline health` reports each (exit 1), the daily health workflow alerts
// once per (kind, date), and `pipeline reconcile --fix` hands the lost completion over so phase 3
// fires exactly once; a second reconcile finds nothing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Message, Subscription } from '@google-cloud/pubsub';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../src/worker/activities';
import { openDateRun } from '../../src/date-run/client';
import { createExportStorage } from '../../src/exports/storage';
import { runQuery } from '../../src/platform/bigquery';
import { closedRunOf } from '../../src/run-history/run-history';
import { firstProcessorRuns } from '../../src/watch/queries';
import { runRows, upsertRuns, type RunRow } from '../../dev/sample/runs';
import { signalCompletion } from '../../src/date-run/client';
import { deadLetterAttributes } from '../../src/messages/dead-letter';
import { checkHealth } from '../../src/watch/health';
import { addDays } from '../../src/time';
import { phaseDefinition, pipeline } from '../../src/pipeline/definition';
import { workflowIdFor } from '../../src/pipeline/ids';
import { reconcile } from '../../src/watch/reconcile';
import { statusQuery } from '../../src/date-run/status';
import { calendarDateIn } from '../../src/time';
import { healthWorkflow } from '../../src/watch/workflow';
import { until } from '../helpers/eventually';
import { startReceiver, type Receiver } from '../helpers/receiver';
import {
  startDevServer,
  startPubSubEmulator,
  tempDir,
  devServerWorker,
  type DevServer,
  type DevServerWorker,
  type PubSubEmulator,
} from '../helpers/servers';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../dev/stack/ephemeral';

const taskQueue = 'watch-test';
const dir = tempDir('watch-test');
// Two days ago: past phase 2's deadline (07:00 New York the next morning), not yet expired.
const gameDate = addDays(calendarDateIn('America/Los_Angeles', new Date()), -2);
const lost = 'NbacGamebookProcessor';
const backfilledDate = addDays(gameDate, -3);
let temporal: DevServer;
let pubsub: PubSubEmulator;
let bigquery: BigQueryEmulator;
let client: Client;
let worker: DevServerWorker;
let receiver: Receiver;
let phase3Subscription: Subscription;
const phase3Triggers: Array<Record<string, unknown>> = [];

before(async () => {
  [temporal, pubsub, bigquery] = await Promise.all([
    startDevServer(dir),
    startPubSubEmulator(dir),
    startBigQueryEmulator(dir),
  ]);
  receiver = await startReceiver();
  worker = await devServerWorker(temporal, taskQueue, (client) =>
    createActivities({
      pubsub: pubsub.pubsub,
      bigquery: bigquery.bigquery,
      storage: createExportStorage({ dir: path.join(dir, 'exports'), bucket: undefined }),
      temporalClient: client,
      alertRoutes: { slackWebhookUrl: receiver.url('/slack') },
    }),
  );
  client = worker.client;

  [phase3Subscription] = await pubsub.pubsub.topic(pipeline.topics.phase3Trigger).createSubscription('watch-phase3');
  phase3Subscription.on('message', (message: Message) => {
    phase3Triggers.push(JSON.parse(message.data.toString('utf8')) as Record<string, unknown>);
    message.ack();
  });

  // The date's run received 20 of the 21 phase 2 completions; the run history shows all 21.
  const processors = phaseDefinition('phase2').processors.map((p) => p.name);
  for (const processor of processors.filter((p) => p !== lost)) {
    await signalCompletion(client, taskQueue, {
      phase: 'phase2',
      processor,
      gameDate,
      status: 'success',
      executionId: `run-${processor}`,
      correlationId: 'corr-watch',
      skipDownstreamTrigger: false,
    });
  }
  const template = runRows(gameDate, gameDate, 'corr-watch', {
    results: 1,
    context: 1,
    features: 1,
    predictions: 1,
    unpredicted: 0,
  })[0]!;
  const history: RunRow[] = processors.map((processor) => ({
    ...template,
    processor_name: processor,
    phase: 'phase_2_raw',
    data_date: gameDate,
    execution_id: `run-${processor}`,
    // The gamebooks ran late: 14:30 New York the next day, past phase 2's 07:00 deadline.
    started_at: processor === lost ? `${addDays(gameDate, 1)}T19:25:00.000Z` : `${addDays(gameDate, 1)}T08:00:00.000Z`,
    completed_at:
      processor === lost ? `${addDays(gameDate, 1)}T19:30:00.000Z` : `${addDays(gameDate, 1)}T08:05:00.000Z`,
  }));
  await upsertRuns(bigquery.bigquery, history);

  // Seed 003's 72 duplicates, in small: one player's line written twice.
  await runQuery(
    bigquery.bigquery,
    `INSERT INTO nba_analytics.player_game_summary (game_id, game_date, player_lookup, points)
VALUES ('g1', DATE '${gameDate}', 'lebronjames', 30), ('g1', DATE '${gameDate}', 'lebronjames', 30)`,
  );
  // A backfill loads an older date: its run waits on phase 2 past every deadline, and a close of the
  // date recorded as expired is the backfill's too. Neither pages.
  await openDateRun(client, backfilledDate, taskQueue, 'backfill');
  await runQuery(
    bigquery.bigquery,
    `INSERT INTO nba_orchestration.game_day_runs (game_date, run_id, workflow_id, outcome, closed_at)
VALUES (DATE '${backfilledDate}', 'run-backfilled', 'game-day-${backfilledDate}', 'expired', CURRENT_TIMESTAMP())`,
  );
  // The day before closed without completing.
  await runQuery(
    bigquery.bigquery,
    `INSERT INTO nba_orchestration.game_day_runs (game_date, run_id, workflow_id, outcome, closed_at)
VALUES (DATE '${addDays(gameDate, -1)}', 'run-expired', 'game-day-${addDays(gameDate, -1)}', 'expired', CURRENT_TIMESTAMP())`,
  );
  // A backfilled date that closed without completing pages nobody: its backfill reports it.
  await runQuery(
    bigquery.bigquery,
    `INSERT INTO nba_orchestration.game_day_runs (game_date, run_id, workflow_id, outcome, closed_at, backfill)
VALUES (DATE '${addDays(gameDate, -3)}', 'run-backfilled', 'game-day-${addDays(gameDate, -3)}', 'expired', CURRENT_TIMESTAMP(), TRUE)`,
  );
  // Six dead letters within a minute: a burst.
  const deadLetters = pubsub.pubsub.topic(pipeline.topics.deadLetter);
  for (let i = 0; i < 6; i += 1) {
    await deadLetters.publishMessage({
      data: Buffer.from('not json'),
      attributes: {
        [deadLetterAttributes.reason]: i < 4 ? 'invalid: not JSON' : 'future: 2031-01-01 is too far ahead',
        [deadLetterAttributes.receivedAt]: new Date().toISOString(),
      },
    });
  }
  await until(async () => {
    const status = await client.workflow.getHandle(workflowIdFor(gameDate)).query(statusQuery);
    return status.phases.phase2.completed_count === 20;
  }, 'the run to count 20 completions');
});

after(async () => {
  await phase3Subscription.close();
  await worker.stop();
  await receiver.close();
  await Promise.all([pubsub.stop(), bigquery.stop(), temporal.stop()]);
});

const pipelineCli = path.resolve(__dirname, '../../bin/pipeline.js');
const run = promisify(execFile);

async function cli(...args: string[]): Promise<{ code: number; stdout: string }> {
  const env = {
    ...process.env,
    ...temporal.env,
    TEMPORAL_TASK_QUEUE: taskQueue,
    PUBSUB_EMULATOR_HOST: pubsub.host,
    BIGQUERY_EMULATOR_HOST: bigquery.host,
    LOG_LEVEL: 'warn',
  };
  try {
    const { stdout } = await run(process.execPath, [pipelineCli, ...args], { env });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('the watch', () => {
  it('pipeline health reports every problem on its own line and exits 1; --json has the contract', async () => {
    const { code, stdout } = await cli('health', '--json');
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as {
      healthy: boolean;
      problems: Array<{ kind: string; game_date?: string; detail: string }>;
    };
    assert.equal(report.healthy, false);
    const kinds = (kind: string) => report.problems.filter((p) => p.kind === kind);
    const stuck = kinds('date-stuck');
    assert.deepEqual(
      stuck.map((p) => p.game_date),
      [gameDate],
    );
    assert.match(
      stuck[0]!.detail,
      new RegExp(
        `waits on phase2 \\(20/21, missing ${lost}\\) past its deadline ${addDays(gameDate, 1)} 07:00 America/New_York`,
      ),
    );
    assert.deepEqual(
      kinds('date-expired').map((p) => p.game_date),
      [addDays(gameDate, -1)],
    );
    assert.match(kinds('dead-letters')[0]!.detail, /^6 dead letters in the last 24 h: invalid 4, future 2$/);
    assert.equal(kinds('dead-letter-burst').length, 1);
    assert.deepEqual(
      kinds('late-processor').map((p) => [p.game_date, p.detail.split(' ')[0]]),
      [[gameDate, lost]],
    );
    assert.deepEqual(
      kinds('duplicate-rows').map((p) => [p.game_date, p.detail]),
      [[gameDate, 'nba_analytics.player_game_summary: 1 keys with more than one row (1 extra rows)']],
    );
    assert.ok(kinds('schedule-missing').length > 0, 'schedules not applied yet');
    assert.deepEqual(kinds('no-workers'), [], 'the test worker polls the queue');
    assert.deepEqual(kinds('check-failed'), []);

    const text = await cli('health');
    assert.equal(text.code, 1);
    assert.ok(
      text.stdout.split('\n').some((line) => line.startsWith(`date-stuck  ${gameDate}  waits on phase2 (20/21`)),
    );
  });

  it('reading dead letters leaves them for review, and a queue nobody polls is reported', async () => {
    const report = await checkHealth({
      client,
      bigquery: bigquery.bigquery,
      pubsub: pubsub.pubsub,
      taskQueue: 'nobody-polls',
    });
    assert.match(report.problems.find((p) => p.kind === 'dead-letters')!.detail, /^6 dead letters/);
    assert.deepEqual(
      report.problems.filter((p) => p.kind === 'no-workers').map((p) => p.detail),
      ['no worker polls nobody-polls for workflow tasks', 'no worker polls nobody-polls for activity tasks'],
    );
  });

  it('the daily health workflow alerts once per kind and date, also when it runs again', async () => {
    const first = await client.workflow.execute(healthWorkflow, { taskQueue, workflowId: 'health-1' });
    assert.ok(first.alerts.every((a) => a.outcome === 'raised'));
    assert.ok(first.alerts.some((a) => a.workflowId === `alert-date-stuck-${gameDate}`));
    await until(() => receiver.received.length === first.alerts.length, 'every alert on Slack');
    const second = await client.workflow.execute(healthWorkflow, { taskQueue, workflowId: 'health-2' });
    assert.ok(second.alerts.every((a) => a.outcome === 'deduplicated'));
    const stuck = receiver.received.filter((r) => String(r.body.text).startsWith('[CRITICAL] date-stuck'));
    assert.equal(stuck.length, 1);
    assert.match(
      String(stuck[0]!.body.text),
      new RegExp(`^\\[CRITICAL\\] date-stuck: waits on phase2 \\(20/21.*\\(game date ${gameDate}\\)$`),
    );
    assert.equal(receiver.received.length, first.alerts.length, 'nothing more on the second run');
  });

  it('reconcile --fix hands the lost completion over: phase 3 fires once, and a second run finds nothing', async () => {
    const before = await reconcile({
      client,
      runsBetween: (from, to) => firstProcessorRuns(bigquery.bigquery, from, to),
      closedRunOf: (date) => closedRunOf(bigquery.bigquery, date),
      taskQueue,
      days: 3,
      fix: false,
    });
    const date = before.find((d) => d.game_date === gameDate)!;
    assert.deepEqual(
      date.missing.map((m) => [m.phase, m.processor, m.execution_id, m.fix]),
      [['phase2', lost, `run-${lost}`, undefined]],
    );
    assert.equal(date.run, 'open');
    assert.deepEqual(date.unexplained, []);

    const fixed = await cli('reconcile', '--days', '3', '--fix', '--json');
    assert.equal(fixed.code, 0, fixed.stdout);
    assert.deepEqual(
      (JSON.parse(fixed.stdout) as typeof before).find((d) => d.game_date === gameDate)!.missing.map((m) => m.fix),
      ['handed-over'],
    );
    await until(() => phase3Triggers.length > 0, 'the phase 3 trigger');
    const again = await cli('reconcile', '--days', '3', '--fix', '--json');
    assert.equal(again.code, 0);
    assert.deepEqual((JSON.parse(again.stdout) as typeof before).find((d) => d.game_date === gameDate)!.missing, []);
    const status = await client.workflow.getHandle(workflowIdFor(gameDate)).query(statusQuery);
    assert.equal(status.phases.phase2.completed_count, 21);
    assert.equal(phase3Triggers.length, 1);
    assert.equal(phase3Triggers[0]!.trigger_id, `${workflowIdFor(gameDate)}/phase3`);
    assert.equal(phase3Triggers[0]!.correlation_id, 'corr-watch');
  });

  it('bad arguments exit 2 with what was wrong', async () => {
    const { code } = await cli('reconcile', '--days', 'three');
    assert.equal(code, 2);
  });
});
