// Releases with Worker Versioning on a fresh dev server, with the real processes as the image starts
// them (`pipeline worker` with a build id, `pipeline bridge`) after `pipeline init`:
// - day one: the first build makes itself current, and a date's completions fire its phase 3 trigger
//   with nothing done by hand;
// - a second build rolls out beside it with `pipeline deploy ramp/promote`; `deploy status` shows what
//   still runs on the first build, whose open run goes on there; `deploy rollback` brings it back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { readStatus } from '../../src/cli/status-sources';
import { simulateDay } from '../../src/cli/simulate';
import type { DeploymentState } from '../../src/deploy/worker-deployment';
import { projectRoot } from '../../src/platform/paths';
import { workflowIdFor } from '../../src/pipeline/ids';
import { phaseCompletions } from '../../dev/simulate/day';
import { startService, type RunningService } from '../../dev/stack/services';
import { eventually } from '../helpers/eventually';
import { processorNames } from '../helpers/messages';
import {
  freePort,
  startBigQueryEmulator,
  startDevServer,
  startPubSubEmulator,
  tempDir,
  type BigQueryEmulator,
  type DevServer,
  type PubSubEmulator,
} from '../helpers/servers';

const dir = tempDir('versioning');
const cli = path.join(projectRoot, 'bin/pipeline.js');
let temporal: DevServer;
let pubsub: PubSubEmulator;
let bigquery: BigQueryEmulator;
let client: Client;
let env: NodeJS.ProcessEnv;
const processes: RunningService[] = [];

/** A worker as the image starts it: versioning asked for, the build id from the image's tag. */
async function startWorker(buildId: string): Promise<RunningService> {
  const worker = await startService(
    {
      name: `worker-${buildId}`,
      command: process.execPath,
      args: [cli, 'worker'],
      env: {
        ...env,
        TEMPORAL_WORKER_VERSIONING: 'true',
        TEMPORAL_WORKER_BUILD_ID: buildId,
        WORKER_METRICS_PORT: String(await freePort()),
      },
    },
    dir,
  );
  processes.push(worker);
  return worker;
}

function pipeline(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, env });
}

function deployStatus(): DeploymentState {
  const result = pipeline('deploy', 'status', '--json');
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as DeploymentState;
}

async function buildOf(gameDate: string): Promise<string | undefined> {
  const { raw } = await client.workflow.getHandle(workflowIdFor(gameDate)).describe();
  return raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId ?? undefined;
}

async function simulate(gameDate: string, lose?: string): Promise<void> {
  const lines: string[] = [];
  const ok = await simulateDay({
    pubsub: pubsub.pubsub,
    client,
    gameDate,
    through: 3,
    timeoutMs: 90_000,
    lose,
    print: (line) => lines.push(line),
  });
  assert.equal(ok, true, lines.join('\n'));
}

before(async () => {
  [temporal, pubsub, bigquery] = await Promise.all([
    startDevServer(dir),
    startPubSubEmulator(dir),
    startBigQueryEmulator(dir),
  ]);
  env = {
    ...process.env,
    ...temporal.env,
    PUBSUB_EMULATOR_HOST: pubsub.host,
    BIGQUERY_EMULATOR_HOST: bigquery.host,
    EXPORT_DIR: path.join(dir, 'exports'),
    BRIDGE_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
  };
  const init = pipeline('init');
  assert.equal(init.status, 0, init.stderr);
  client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  processes.push(await startService({ name: 'bridge', command: process.execPath, args: [cli, 'bridge'], env }, dir));
});

after(async () => {
  await client?.connection.close();
  for (const p of processes.reverse()) await p.stop();
  await Promise.all([pubsub?.stop(), bigquery?.stop(), temporal?.stop()]);
});

const lost = processorNames('phase2')[0]!;

describe('releases with Worker Versioning', () => {
  it('day one: the first build makes itself current and fires a date’s phase 3 trigger, nothing done by hand', async () => {
    await startWorker('1.0');
    // simulate plays the night before the date: its run is the night's.
    await simulate('2025-11-29');
    assert.equal(await buildOf('2025-11-28'), '1.0');
    const state = deployStatus();
    assert.equal(state.current, '1.0');
    // A date left waiting on a lost completion stays open on the first build through the rollout.
    await simulate('2025-11-30', lost);
    assert.equal(await buildOf('2025-11-29'), '1.0');
  });

  it('a second build rolls out beside it; the first build’s open runs go on there; rollback', async () => {
    const refused = pipeline('deploy', 'promote', '2.0');
    assert.equal(refused.status, 2, 'a build whose workers never polled cannot be promoted');
    assert.match(refused.stderr, /build 2\.0 has never polled/);

    await startWorker('2.0');
    await eventually(
      () => deployStatus(),
      (s) => s.builds.some((b) => b.buildId === '2.0'),
      'build 2.0 to register',
      60_000,
    );
    assert.equal(deployStatus().current, '1.0', 'a later build waits for the operator');
    const health = pipeline('health', '--json');
    const problems = (JSON.parse(health.stdout) as { problems: { kind: string; detail: string }[] }).problems;
    assert.ok(
      problems.some((p) => p.kind === 'idle-build' && p.detail.startsWith('build 2.0 ')),
      JSON.stringify(problems),
    );

    const ramp = pipeline('deploy', 'ramp', '2.0', '25');
    assert.equal(ramp.status, 0, ramp.stderr);
    assert.deepEqual(deployStatus().ramping, { buildId: '2.0', percentage: 25 });
    const promote = pipeline('deploy', 'promote', '2.0');
    assert.equal(promote.status, 0, promote.stderr);

    const state = deployStatus();
    assert.equal(state.current, '2.0');
    assert.equal(state.ramping, undefined);
    const old = state.builds.find((b) => b.buildId === '1.0');
    // Both dates' runs (and the children they started) still run there.
    assert.ok((old?.openRuns ?? 0) >= 2, `open runs on 1.0: ${old?.openRuns}`);

    // New dates start on the new build.
    await simulate('2025-12-02');
    assert.equal(await buildOf('2025-12-01'), '2.0');

    // The lost completion of the date open on 1.0 arrives: that run goes on, on 1.0, and fires phase 3.
    const waiting = '2025-11-29';
    const correlationId = (await readStatus(client, waiting)).correlation_id ?? `corr-${waiting}`;
    const late = phaseCompletions('phase2', { gameDate: waiting, correlationId, only: [lost] }).find(
      (m) => m.message.status === 'success',
    )!;
    await pubsub.pubsub.topic(late.topic).publishMessage({ json: late.message });
    await eventually(
      () => readStatus(client, waiting),
      (s) => s.phases.phase2.status === 'triggered', // phase 2 done: phase 3 triggered
      `${waiting}'s phase 3 trigger`,
      // The emulator may hold a message for an ack deadline (60 s) before the bridge's pull sees it.
      150_000,
    );
    assert.equal(await buildOf(waiting), '1.0');

    const rollback = pipeline('deploy', 'rollback');
    assert.equal(rollback.status, 0, rollback.stderr);
    assert.match(rollback.stdout, /1\.0 is current again/);
    assert.equal(deployStatus().current, '1.0');
  });

  it('an image without a build id refuses to start its worker with versioning on', () => {
    const result = spawnSync(process.execPath, [cli, 'worker'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...env, TEMPORAL_WORKER_VERSIONING: 'true', TEMPORAL_WORKER_BUILD_ID: '' },
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /TEMPORAL_WORKER_BUILD_ID is unset/);
  });
});
