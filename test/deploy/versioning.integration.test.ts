// Worker Versioning against the real dev server: a `pipeline worker` given a build id (as the image
// gives it its tag) registers that version under the deployment name, and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { projectRoot } from '../../src/paths';
import { until } from '../helpers/eventually';
import { freePort, startDevServer, tempDir, type DevServer } from '../helpers/servers';

let temporal: DevServer;
let connection: Connection;
let worker: ChildProcess;
let output = '';

before(async () => {
  temporal = await startDevServer(tempDir('versioning'));
  connection = await Connection.connect({ address: temporal.address });
  worker = spawn(process.execPath, [path.join(projectRoot, 'bin/pipeline.js'), 'worker'], {
    env: {
      ...process.env,
      ...temporal.env,
      TEMPORAL_TASK_QUEUE: 'versioning-test',
      TEMPORAL_WORKER_BUILD_ID: '0.3.0-test',
      WORKER_METRICS_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until(() => output.includes('"msg":"worker started"'), 'the worker to start', 120_000);
});

after(async () => {
  if (worker.exitCode === null) worker.kill('SIGKILL');
  await connection?.close();
  await temporal?.stop();
});

describe('Worker Versioning', () => {
  it('the worker registers its build id under the deployment name', async () => {
    await until(async () => {
      const response = await connection.workflowService
        .describeWorkerDeployment({ namespace: 'default', deploymentName: 'game-day-pipeline' })
        .catch(() => undefined);
      const builds = response?.workerDeploymentInfo?.versionSummaries?.map((v) => v.deploymentVersion?.buildId);
      return builds?.includes('0.3.0-test') ?? false;
    }, 'the version to be registered');
    assert.match(output, /"build_id":"0\.3\.0-test"/);
  });

  it('SIGTERM stops it cleanly', async () => {
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    worker.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(output, /"msg":"worker stopped"/);
  });
});
