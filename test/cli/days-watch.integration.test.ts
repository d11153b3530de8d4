// `pipeline days` and `pipeline watch` against the dev server (visibility, queries) and bqemulator
// (the run history of closed dates), with the project's worker running the date runs.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { recordRunClosed } from '../../src/run-history/run-history';
import { signalCompletion } from '../../src/date-run/client';
import type { DayLine } from '../../src/cli/days';
import type { GameDayStatus } from '../../src/date-run/status';
import { statusQuery } from '../../src/date-run/status';
import { workflowIdFor } from '../../src/pipeline/ids';
import { eventually } from '../helpers/eventually';
import { completion, processorNames } from '../helpers/messages';
import { devServerWorker, startDevServer, tempDir, type DevServer, type DevServerWorker } from '../helpers/servers';
import { recordingActivities } from '../helpers/activities';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../dev/stack/ephemeral';

const cli = path.resolve(__dirname, '../../bin/pipeline.js');
const taskQueue = 'days-watch-test';
let temporal: DevServer;
let bigquery: BigQueryEmulator;
let client: Client;
let worker: DevServerWorker;
const { activities: recording } = recordingActivities();

const cliEnv = () => ({
  ...process.env,
  ...temporal.env,
  TEMPORAL_TASK_QUEUE: taskQueue,
  BIGQUERY_EMULATOR_HOST: bigquery.host,
  LOG_LEVEL: 'warn',
});
const send = (phase: 'phase2', names: string[], date: string, skip = false) =>
  Promise.all(
    names.map((n) => signalCompletion(client, taskQueue, completion(phase, n, date, { skipDownstreamTrigger: skip }))),
  );

before(async () => {
  const dir = tempDir('days-watch');
  [temporal, bigquery] = await Promise.all([startDevServer(dir), startBigQueryEmulator(dir)]);
  worker = await devServerWorker(temporal, taskQueue, () => ({ publishTrigger: recording.publishTrigger }));
  client = worker.client;
});

after(async () => {
  await worker.stop();
  await temporal.stop();
  await bigquery.stop();
});

describe('pipeline days', () => {
  it('shows each date: open runs by query, closed ones from the run history, the rest not started', async () => {
    const [, ...twenty] = processorNames('phase2');
    await send('phase2', twenty, '2024-02-01'); // stuck at 20/21, long past its SLA
    await send('phase2', processorNames('phase2').slice(0, 3), '2024-02-04', true); // a backfill
    await recordRunClosed(bigquery.bigquery, {
      gameDate: '2024-02-02',
      runId: 'run-closed',
      workflowId: 'game-day-2024-02-02',
      outcome: 'completed',
      correlationId: null,
      openedAt: '2024-02-02T10:00:00.000Z',
      closedAt: '2024-02-03T10:00:00.000Z',
    });
    // The worker has picked both runs up (a busy machine takes a while the first time).
    for (const date of ['2024-02-01', '2024-02-04']) {
      await eventually(
        () => client.workflow.getHandle(workflowIdFor(date)).query(statusQuery),
        (s) => s.phases.phase2.completed_count > 0,
        `the run of ${date} answering`,
        120_000,
      );
    }
    const read = () => {
      const result = spawnSync(
        process.execPath,
        [cli, 'days', '--from', '2024-02-01', '--to', '2024-02-04', '--json'],
        {
          encoding: 'utf8',
          env: cliEnv(),
          timeout: 60_000,
        },
      );
      assert.equal(result.status, 0, result.stderr);
      return JSON.parse(result.stdout) as DayLine[];
    };
    // Visibility lists a new run within a moment. On a loaded machine the worker may not answer the
    // query in time: the line then comes from the run's search attributes, without a missing count.
    const lines = await eventually(read, (l) => l[0]!.source !== 'none' && l[3]!.source !== 'none', 'both runs listed');
    assert.deepEqual(
      lines.map((l) => [l.game_date, l.phase, l.late, l.backfill]),
      [
        ['2024-02-01', 'phase2', true, false],
        ['2024-02-02', 'completed', false, false],
        ['2024-02-03', 'not started', false, false],
        ['2024-02-04', 'phase2', false, true],
      ],
    );
    assert.deepEqual(
      lines.slice(1, 3).map((l) => l.source),
      ['run history', 'none'],
    );
    for (const [index, missing] of [
      [0, 1],
      [3, 15],
    ] as const) {
      const line = lines[index]!;
      assert.ok(['query', 'search attributes'].includes(line.source));
      if (line.source === 'query') assert.equal(line.missing, missing, `${line.game_date} missing count`);
    }
  });

  it('refuses a reversed range with exit 2', () => {
    const result = spawnSync(process.execPath, [cli, 'days', '--from', '2024-02-05', '--to', '2024-02-01'], {
      encoding: 'utf8',
      env: cliEnv(),
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--from 2024-02-05 is after --to 2024-02-01/);
  });
});

describe('pipeline watch', () => {
  it('prints the day again as it changes, until Ctrl-C', async () => {
    const date = '2024-03-01';
    const [last, ...twenty] = processorNames('phase2');
    await send('phase2', twenty, date);
    const child = spawn(process.execPath, [cli, 'watch', date, '--json'], { env: cliEnv() });
    const lines: GameDayStatus[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(JSON.parse(line) as GameDayStatus));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await eventually(
      () => lines.length,
      (n) => n >= 1,
      'the first view',
    );
    assert.equal(lines[0]!.phases.phase2.completed_count, 20);
    await send('phase2', [last!], date);
    const triggered = await eventually(
      () => lines[lines.length - 1]!,
      (s) => s.phases.phase2.status === 'triggered',
      'the view after the 21st completion',
    );
    assert.equal(triggered.waiting_on, 'phase3');
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  });
});
