// `date-failed` on the real Temporal dev server and bqemulator: runs that failed, were terminated or
// timed out, and a run that completed without its close in the run history are each reported, and
// their closes recorded once; a late run and a run whose close is recorded are not problems.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { runQuery } from '../../src/platform/bigquery';
import { closedRunOf, recordRunClosed } from '../../src/run-history/run-history';
import { failedDates } from '../../src/watch/failed-runs';
import { problemSeverity } from '../../src/watch/rules';
import { workflowIdFor } from '../../src/pipeline/ids';
import { GameDate } from '../../src/temporal/search-attributes';
import { eventually } from '../helpers/eventually';
import {
  startBigQueryEmulator,
  startDevServer,
  tempDir,
  type BigQueryEmulator,
  type DevServer,
} from '../helpers/servers';
import type { Ending } from './fixtures/ended-runs';

const taskQueue = 'failed-runs-test';
const dir = tempDir('failed-runs-test');
let temporal: DevServer;
let bigquery: BigQueryEmulator;
let client: Client;
let worker: Worker;
let running: Promise<void>;

before(async () => {
  [temporal, bigquery] = await Promise.all([startDevServer(dir), startBigQueryEmulator(dir)]);
  client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: temporal.address }),
    taskQueue,
    workflowsPath: require.resolve('./fixtures/ended-runs'),
  });
  running = worker.run();
});

after(async () => {
  worker?.shutdown();
  await running;
  await client?.connection.close();
  await bigquery?.stop();
  await temporal?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function runFor(gameDate: string, ending: Ending, timeoutMs?: number) {
  return client.workflow.start('gameDayWorkflow', {
    workflowId: workflowIdFor(gameDate),
    taskQueue,
    args: [{ ending }],
    typedSearchAttributes: [{ key: GameDate, value: gameDate }],
    ...(timeoutMs ? { workflowExecutionTimeout: timeoutMs } : {}),
  });
}

const rowsOf = async (gameDate: string) =>
  Number(
    (
      await runQuery(
        bigquery.bigquery,
        `SELECT COUNT(*) AS n FROM nba_orchestration.game_day_runs WHERE game_date = '${gameDate}'`,
      )
    )[0]?.n,
  );

describe('date-failed', () => {
  it('reports each date whose run ended unknown, records its close once, and leaves known ends alone', async () => {
    const failed = await runFor('2025-03-01', 'fail');
    const terminated = await runFor('2025-03-02', 'wait');
    const timedOut = await runFor('2025-03-03', 'wait', 2000);
    const unrecorded = await runFor('2025-03-04', 'completed');
    const late = await runFor('2025-03-05', 'late');
    const recorded = await runFor('2025-03-06', 'completed');
    await terminated.terminate('operator ended it');
    await Promise.allSettled([failed, timedOut, unrecorded, late, recorded].map((h) => h.result()));
    await recordRunClosed(bigquery.bigquery, {
      gameDate: '2025-03-06',
      runId: recorded.firstExecutionRunId,
      workflowId: recorded.workflowId,
      outcome: 'completed',
      correlationId: null,
      openedAt: null,
      closedAt: new Date().toISOString(),
    });

    const problems = await eventually(
      () => failedDates(client, bigquery.bigquery, new Date()),
      (found) => found.length === 4,
      'four failed dates in the visibility listing',
    );
    assert.deepEqual(
      problems.map((p) => [p.kind, p.game_date]),
      ['2025-03-01', '2025-03-02', '2025-03-03', '2025-03-04'].map((d) => ['date-failed', d]),
    );
    assert.match(problems[0]!.detail, /ended FAILED/);
    assert.match(problems[1]!.detail, /ended TERMINATED/);
    assert.match(problems[2]!.detail, /ended TIMED_OUT/);
    assert.match(problems[3]!.detail, /without a game_day_runs row/);
    assert.equal(problemSeverity['date-failed'], 'critical');

    // Each close is now in the run history, so a later delivery for the date is turned away as late.
    assert.equal((await closedRunOf(bigquery.bigquery, '2025-03-01'))?.outcome, 'failed');
    assert.equal((await closedRunOf(bigquery.bigquery, '2025-03-02'))?.outcome, 'terminated');
    assert.equal((await closedRunOf(bigquery.bigquery, '2025-03-03'))?.outcome, 'timed_out');
    assert.equal((await closedRunOf(bigquery.bigquery, '2025-03-04'))?.outcome, 'completed');
    assert.equal(await rowsOf('2025-03-05'), 0, 'a late run records nothing');

    // Checked again: the failed runs stay reported while recent, nothing is recorded twice, and the
    // completed run now has its close.
    const again = await failedDates(client, bigquery.bigquery, new Date());
    assert.deepEqual(
      again.map((p) => p.game_date),
      ['2025-03-01', '2025-03-02', '2025-03-03'],
    );
    for (const date of ['2025-03-01', '2025-03-02', '2025-03-03', '2025-03-04', '2025-03-06'])
      assert.equal(await rowsOf(date), 1, date);
  });
});
