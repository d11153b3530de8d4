// Processing leases from outside, on the Temporal dev server with a real worker: the `temporal` CLI
// lines the README gives Python processors, and `pipeline leases` (list, --json, break) run as
// operators run them, refusals exiting 2.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { acquireLease } from '../../src/leases/client';
import type { AcquireOutcome } from '../../src/leases/table';
import { workflowIdFor } from '../../src/pipeline/ids';
import { binaries } from '../../dev/stack/local';
import { leasesQuery } from '../../src/leases/updates';
import { devServerWorker, startDevServer, tempDir, type DevServer, type DevServerWorker } from '../helpers/servers';
import { recordingActivities } from '../helpers/activities';

const taskQueue = 'leases-cli-test';
const cli = path.resolve(__dirname, '../../bin/pipeline.js');
const summary = 'PlayerGameSummaryProcessor';
let temporal: DevServer;
let client: Client;
let worker: DevServerWorker;

before(async () => {
  temporal = await startDevServer(tempDir('leases-cli'));
  const { publishTrigger } = recordingActivities().activities;
  worker = await devServerWorker(temporal, taskQueue, () => ({ publishTrigger }));
  client = worker.client;
});

after(async () => {
  await worker.stop();
  await temporal.stop();
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end without blocking this process (its worker answers the command). */
function run(command: string, args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: { ...process.env, ...temporal.env, LOG_LEVEL: 'warn' }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const pipeline = (...args: string[]) => run(process.execPath, [cli, ...args]);
const temporalCli = (...args: string[]) => run(binaries.temporal, [...args, '--address', temporal.address]);
const acquireFor = (date: string, holder: string) =>
  acquireLease(client, taskQueue, date, { processor: summary, holder, ttl_seconds: 600 });

describe('processing leases from outside', () => {
  it("takes, refuses and releases a lease with the README's temporal CLI lines (Python processors)", async () => {
    const date = '2025-08-01';
    const acquire = (holder: string) =>
      temporalCli(
        ...['workflow', 'execute-update-with-start', '--workflow-id', workflowIdFor(date)],
        ...['--type', 'gameDayWorkflow', '--task-queue', taskQueue, '--id-conflict-policy', 'UseExisting'],
        ...['--id-reuse-policy', 'RejectDuplicate', '--input', JSON.stringify({ gameDate: date })],
        ...['--update-name', 'acquireLease', '--update-input'],
        JSON.stringify({ processor: summary, holder, ttl_seconds: 600 }),
        ...['--output', 'json'],
      );
    const first = await acquire('exec-1');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(updateResult(first.stdout).granted, true);

    const second = updateResult((await acquire('exec-2')).stdout);
    assert.ok(!second.granted);
    assert.equal(second.lease?.holder, 'exec-1');

    const release = await temporalCli(
      ...['workflow', 'update', 'execute', '--workflow-id', workflowIdFor(date), '--name', 'releaseLease'],
      ...['--input', JSON.stringify({ processor: summary, holder: 'exec-1' }), '--output', 'json'],
    );
    assert.equal(release.code, 0, release.stderr);
    assert.equal(updateResult<{ released: boolean }>(release.stdout).released, true);
    assert.equal(updateResult((await acquire('exec-2')).stdout).granted, true);
  });

  it('pipeline leases lists the leases of every open date, and of one (--json too)', async () => {
    await acquireFor('2025-08-02', 'exec-a');
    await acquireFor('2025-08-03', 'exec-b');

    const all = await pipeline('leases', '--json');
    assert.equal(all.code, 0, all.stderr);
    const listed = (JSON.parse(all.stdout) as { leases: Array<{ game_date: string; holder: string }> }).leases;
    for (const [date, holder] of [
      ['2025-08-02', 'exec-a'],
      ['2025-08-03', 'exec-b'],
    ]) {
      assert.ok(
        listed.some((l) => l.game_date === date && l.holder === holder),
        `${date} ${holder} in ${all.stdout}`,
      );
    }

    const one = await pipeline('leases', '--date', '2025-08-02');
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /2025-08-02.*PlayerGameSummaryProcessor.*exec-a/);
    assert.doesNotMatch(one.stdout, /exec-b/);

    const none = await pipeline('leases', '--date', '2025-07-01', '--json');
    assert.deepEqual(JSON.parse(none.stdout), { leases: [], broken: [] });
  });

  it('pipeline leases break ends a lease, recorded with who and why; a break with nothing to break exits 2', async () => {
    const date = '2025-08-04';
    await acquireFor(date, 'hung-run');
    const broke = await pipeline(
      ...['leases', 'break', '--date', date, '--processor', summary, '--reason', 'hung-run stopped writing at 15:02'],
    );
    assert.equal(broke.code, 0, broke.stderr);
    assert.match(broke.stdout, /broke PlayerGameSummaryProcessor's lease on 2025-08-04, held by hung-run/);

    const { leases, broken } = await client.workflow.getHandle(workflowIdFor(date)).query(leasesQuery);
    assert.deepEqual(leases, []);
    assert.equal(broken.length, 1);
    assert.equal(broken[0]!.holder, 'hung-run');
    assert.equal(broken[0]!.reason, 'hung-run stopped writing at 15:02');
    assert.match(broken[0]!.broken_by, /.+@.+/, 'who: user@host');
    assert.equal((await acquireFor(date, 'next-run')).granted, true);

    const listed = await pipeline('leases', '--date', date);
    assert.match(listed.stdout, /broken .* 2025-08-04 PlayerGameSummaryProcessor \(held by hung-run\) by .+: hung-run/);

    for (const [args, reason] of [
      [
        ['--date', date, '--processor', 'TeamOffenseGameSummaryProcessor'],
        /TeamOffenseGameSummaryProcessor holds no lease/,
      ],
      [['--date', '2025-07-02', '--processor', summary], /2025-07-02 has no open run/],
    ] as const) {
      const refused = await pipeline('leases', 'break', ...args, '--reason', 'try');
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, reason);
    }
  });

  it('refuses bad arguments with exit 2 before asking Temporal', async () => {
    const cases = [
      [['leases', '--date', '2025-02-30'], /expected a game date YYYY-MM-DD/],
      [['leases', 'break', '--date', '2025-08-04', '--processor', 'Nope', '--reason', 'x'], /unknown processor "Nope"/],
      [['leases', 'break', '--date', '2025-08-04', '--processor', summary], /required option '--reason <text>'/],
      // The listing's --date must not swallow the break's.
      [['leases', 'break', '--processor', summary, '--reason', 'x'], /required option '--date <date>'/],
    ] as const;
    const results = await Promise.all(cases.map(([args]) => pipeline(...args)));
    cases.forEach(([args, reason], i) => {
      assert.equal(results[i]!.code, 2, `${args.join(' ')}: ${results[i]!.stderr}`);
      assert.match(results[i]!.stderr, reason);
    });
  });
});

/** The update's result from the temporal CLI's JSON output (`updateResult` with start, `result` without). */
function updateResult<T = AcquireOutcome>(stdout: string): T {
  const printed = JSON.parse(stdout) as { updateResult?: T; result?: T };
  const result = printed.updateResult ?? printed.result;
  assert.ok(result, `an update result in ${stdout}`);
  return result;
}
