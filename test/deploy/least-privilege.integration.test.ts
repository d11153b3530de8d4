// The running processes create nothing: under a configuration missing a subscription and a topic
// (what `pipeline init` would have created), the bridge and the worker refuse to start, name what is
// missing, and leave Pub/Sub and BigQuery as they found them. `pipeline init` then creates the
// pipeline's own resources, and only a local stack's sample datasets besides.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { subscriptionFor } from '../../src/pipeline/ids';
import { projectRoot } from '../../src/platform/paths';
import { bridgeTopics, pipeline } from '../../src/pipeline/definition';
import {
  freePort,
  startBigQueryEmulator,
  startPubSubEmulator,
  tempDir,
  type BigQueryEmulator,
  type PubSubEmulator,
} from '../helpers/servers';

const cli = path.join(projectRoot, 'bin/pipeline.js');
let pubsub: PubSubEmulator;
let bigquery: BigQueryEmulator;
let env: NodeJS.ProcessEnv;

async function names() {
  const [[topics], [subscriptions]] = await Promise.all([pubsub.pubsub.getTopics(), pubsub.pubsub.getSubscriptions()]);
  return {
    topics: topics.map((t) => t.name.split('/').pop()).sort(),
    subscriptions: subscriptions.map((s) => s.name.split('/').pop()).sort(),
  };
}

const missingSubscription = subscriptionFor(bridgeTopics[1]!);

before(async () => {
  const dir = tempDir('least-privilege');
  [pubsub, bigquery] = await Promise.all([
    startPubSubEmulator(dir),
    startBigQueryEmulator(dir, undefined, { schema: false }),
  ]);
  await pubsub.pubsub.subscription(missingSubscription).delete();
  await pubsub.pubsub.topic(pipeline.topics.phase3Trigger).delete();
  env = {
    ...process.env,
    PUBSUB_EMULATOR_HOST: pubsub.host,
    BIGQUERY_EMULATOR_HOST: bigquery.host,
    // No Temporal at all: the checks come first.
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    BRIDGE_PORT: String(await freePort()),
    WORKER_METRICS_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
});

after(async () => {
  await Promise.all([pubsub?.stop(), bigquery?.stop()]);
});

function run(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, env });
}

describe('least privilege', () => {
  it('the bridge creates nothing and names the subscription that is missing', async () => {
    const before = await names();
    const result = run('bridge');
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, new RegExp(`subscription ${missingSubscription} does not exist \\(pipeline init`));
    assert.deepEqual(await names(), before, 'nothing was created');
  });

  it('the worker creates nothing and names the topic and the dataset that are missing', async () => {
    const before = await names();
    const result = run('worker');
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, new RegExp(`topic ${pipeline.topics.phase3Trigger} does not exist`));
    assert.deepEqual(await names(), before, 'nothing was created');
    const [datasets] = await bigquery.bigquery.getDatasets();
    assert.deepEqual(datasets, [], 'no dataset was created');
  });

  it('pipeline init creates the pipeline’s own resources; a local stack gets the sample datasets too', async () => {
    const result = run('init', '--skip', 'search-attributes,retention,schedules', '--json');
    assert.equal(result.status, 0, result.stderr);
    const done = JSON.parse(result.stdout) as { datasets: string[] };
    assert.equal(done.datasets[0], 'nba_orchestration');
    assert.ok(done.datasets.includes('nba_predictions'), 'a local stack gets the sample datasets');
    const { topics, subscriptions } = await names();
    assert.ok(topics.includes(pipeline.topics.phase3Trigger));
    assert.ok(subscriptions.includes(missingSubscription));
  });
});
