// `pipeline init`, the compose files' one-shot service, against a real dev server and Pub/Sub
// emulator: it creates the topics, subscriptions and Schedules, and running it again creates nothing twice.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../../src/platform/paths';
import { startDevServer, startPubSubEmulator, tempDir, type DevServer, type PubSubEmulator } from '../helpers/servers';

const run = promisify(execFile);
let temporal: DevServer;
let emulator: PubSubEmulator;

before(async () => {
  const dir = tempDir('init');
  [temporal, emulator] = await Promise.all([startDevServer(dir), startPubSubEmulator(dir)]);
});

after(async () => {
  await emulator?.stop();
  await temporal?.stop();
});

async function init(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [path.join(projectRoot, 'bin/pipeline.js'), 'init', ...args], {
    env: {
      ...process.env,
      ...temporal.env,
      PUBSUB_EMULATOR_HOST: emulator.host,
      TEMPORAL_TASK_QUEUE: 'init-test',
      LOG_LEVEL: 'warn',
    },
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('pipeline init', () => {
  it('creates the topics, subscriptions and Schedules; a second run creates nothing twice', async () => {
    const first = await init('--skip', 'tables', '--json');
    assert.equal(first.topics, 'ensured');
    assert.deepEqual(first.searchAttributesAdded, []); // the dev server registers them at start
    assert.ok((first.schedules as { action: string }[]).length > 0);
    assert.ok((first.schedules as { action: string }[]).every((s) => s.action === 'created'));
    const [subscriptions] = await emulator.pubsub.getSubscriptions();
    const names = subscriptions.map((s) => s.name.split('/').pop());
    assert.ok(names.includes('nba-phase2-raw-complete-orchestrator'));
    assert.ok(names.includes('nba-orchestrator-dead-letter-review'));
    const second = await init('--skip', 'tables', '--json');
    const again = second.schedules as { id: string; action: string }[];
    assert.deepEqual(
      again.map((s) => s.id),
      (first.schedules as { id: string }[]).map((s) => s.id),
    );
    assert.ok(again.every((s) => s.action !== 'created'));
  });

  it('an unknown step is bad usage (exit 2)', async () => {
    await assert.rejects(init('--skip', 'tablez'), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /unknown step\(s\) tablez/);
      return true;
    });
  });
});
