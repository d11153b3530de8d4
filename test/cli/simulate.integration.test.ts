// `pipeline simulate` on a local stack of real servers and the real worker and bridge processes:
// a whole day flows through every phase, each trigger once, and the export files are written.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { simulateDay } from '../../src/cli/simulate';
import { readStatus } from '../../src/cli/status';
import {
  freePort,
  startBigQueryEmulator,
  startDevServer,
  startPubSubEmulator,
  tempDir,
  type BigQueryEmulator,
  type DevServer,
  type PubSubEmulator,
} from '../../src/stack/ephemeral';
import { gameDayTriggerId } from '../../src/pipeline/ids';
import { processSpecs } from '../../src/stack/local';
import { startService, type RunningService } from '../../src/stack/services';

const dir = tempDir('simulate-it');
const exportDir = path.join(dir, 'exports');
let temporal: DevServer;
let pubsub: PubSubEmulator;
let bigquery: BigQueryEmulator;
let processes: RunningService[] = [];
let client: Client;

before(async () => {
  [temporal, pubsub, bigquery] = await Promise.all([
    startDevServer(dir),
    startPubSubEmulator(dir),
    startBigQueryEmulator(dir),
  ]);
  const env = {
    TEMPORAL_ADDRESS: temporal.address,
    PUBSUB_EMULATOR_HOST: pubsub.host,
    BIGQUERY_EMULATOR_HOST: bigquery.host,
    EXPORT_DIR: exportDir,
    BRIDGE_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
  processes = await Promise.all(processSpecs().map((spec) => startService({ ...spec, env }, dir)));
  client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
});

after(async () => {
  await client.connection.close();
  for (const p of processes.reverse()) await p.stop();
  await Promise.all([pubsub.stop(), bigquery.stop(), temporal.stop()]);
});

describe('pipeline simulate on the local stack', () => {
  it('runs a whole day through phase 6: each trigger once, export files written, one export-complete', async () => {
    const lines: string[] = [];
    const gameDate = '2025-11-29';
    const ok = await simulateDay({
      pubsub: pubsub.pubsub,
      client,
      bigquery: bigquery.bigquery,
      exportDir,
      gameDate,
      through: 6,
      timeoutMs: 60_000,
      print: (line) => lines.push(line),
    });
    assert.equal(ok, true, lines.join('\n'));
    for (const key of ['phase3', 'phase4/1', 'phase4/2', 'phase4/3', 'phase5', 'phase6']) {
      assert.ok(
        lines.some((l) => l.startsWith(`${gameDayTriggerId(gameDate, key)} `) && l.includes(' 1 (expected 1)')),
        key,
      );
    }
    assert.ok(lines.some((l) => /^nba-phase6-export-complete\s+1 \(expected 1\)/.test(l)));

    assert.ok(
      !fs.existsSync(path.join(exportDir, 'v1/tonight/all-players.json')),
      "an old day leaves the website's latest files alone",
    );
    const tonight = JSON.parse(
      fs.readFileSync(path.join(exportDir, `v1/tonight/${gameDate}/all-players.json`), 'utf8'),
    ) as {
      target_date: string;
      export_type: string;
    };
    assert.equal(tonight.target_date, gameDate);
    assert.equal(tonight.export_type, 'tonight');

    const status = await readStatus(client, gameDate);
    for (const phase of ['phase2', 'phase3', 'phase4', 'phase5', 'phase6'] as const) {
      assert.equal(status.phases[phase].status, 'triggered', phase);
    }
    assert.match(status.correlation_id ?? '', /^sim-2025-11-29-/);
  });

  it('refuses to simulate a date that has already run', async () => {
    const lines: string[] = [];
    const ok = await simulateDay({
      pubsub: pubsub.pubsub,
      client,
      gameDate: '2025-11-29',
      through: 3,
      timeoutMs: 5000,
      print: (l) => lines.push(l),
    });
    assert.equal(ok, false);
    assert.match(lines.join('\n'), /already run/);
  });
});
