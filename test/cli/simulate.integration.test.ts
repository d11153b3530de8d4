// `pipeline simulate` on a local stack of real servers and the real worker and bridge processes:
// a whole day flows through every phase, each trigger once, and the export files are written. Then
// the operators' CLI on the same stack: a date stuck at 20/21 pushed on, the run history's
// correlation query, refusals that exit 2.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { correlationTrail } from '../../src/run-history/run-events';
import { simulateDay } from '../../src/cli/simulate';
import { statusOverHttp } from '../../src/cli/status-http';
import { loadConfig } from '../../src/platform/config';
import { readStatus } from '../../src/cli/status-sources';
import {
  freePort,
  startBigQueryEmulator,
  startDevServer,
  startPubSubEmulator,
  tempDir,
  type BigQueryEmulator,
  type DevServer,
  type PubSubEmulator,
} from '../../dev/stack/ephemeral';
import { gameDayTriggerId, workflowIdFor } from '../../src/pipeline/ids';
import { phaseCompletions } from '../../dev/simulate/day';
import { addDays } from '../../src/time';
import { eventually } from '../helpers/eventually';
import { processSpecs } from '../../dev/stack/local';
import { startService, type RunningService } from '../../dev/stack/services';

const dir = tempDir('simulate-it');
const exportDir = path.join(dir, 'exports');
let temporal: DevServer;
let pubsub: PubSubEmulator;
let bigquery: BigQueryEmulator;
let processes: RunningService[] = [];
let client: Client;
let cliEnv: NodeJS.ProcessEnv;

before(async () => {
  [temporal, pubsub, bigquery] = await Promise.all([
    startDevServer(dir),
    startPubSubEmulator(dir),
    startBigQueryEmulator(dir),
  ]);
  const env = {
    ...temporal.env,
    PUBSUB_EMULATOR_HOST: pubsub.host,
    BIGQUERY_EMULATOR_HOST: bigquery.host,
    EXPORT_DIR: exportDir,
    BRIDGE_PORT: String(await freePort()),
    WORKER_METRICS_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
  processes = await Promise.all(processSpecs().map((spec) => startService({ ...spec, env }, dir)));
  cliEnv = { ...process.env, ...env };
  client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
});

after(async () => {
  await client.connection.close();
  for (const p of processes.reverse()) await p.stop();
  await Promise.all([pubsub.stop(), bigquery.stop(), temporal.stop()]);
});

describe('pipeline simulate on the local stack', () => {
  it("plays last night's results handed over to this morning's slate through phase 6: each trigger once, predictions started by phase 4, export files written", async () => {
    const lines: string[] = [];
    const gameDate = '2025-11-29';
    const night = '2025-11-28';
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
    const once = (id: string) => lines.some((l) => l.startsWith(`${id} `) && l.includes(' 1 (expected 1)'));
    assert.ok(once(gameDayTriggerId(night, 'phase3')), 'phase3 of the night');
    for (const key of ['phase4/1', 'phase4/2', 'phase4/3', 'phase5', 'phase6']) {
      assert.ok(once(gameDayTriggerId(gameDate, key)), key);
    }
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    const handedOver = at(new RegExp(`results of ${night} were handed over to the slate of ${gameDate}`));
    const started = at(/predictions started by the orchestrator \(phase 4 done\)/);
    assert.ok(handedOver >= 0 && started > handedOver, lines.join('\n'));
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

    const results = await readStatus(client, night);
    for (const phase of ['phase2', 'phase3'] as const) assert.equal(results.phases[phase].status, 'triggered', phase);
    assert.equal(results.results?.handed_over_to, gameDate);
    const slate = await readStatus(client, gameDate);
    for (const phase of ['phase4', 'phase5', 'phase6'] as const) {
      assert.equal(slate.phases[phase].status, 'triggered', phase);
    }
    assert.equal(slate.slate?.results_of, night);
    assert.match(results.correlation_id ?? '', /^sim-2025-11-28-/);
    assert.equal(slate.slate?.correlation_id, results.correlation_id, 'one chain from the scrapers to the predictions');
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

const cli = path.resolve(__dirname, '../../bin/pipeline.js');
const cliTimes: Record<string, number> = {};
function pipeline(...args: string[]) {
  const start = performance.now();
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, env: cliEnv });
  cliTimes[args.slice(0, 2).join(' ')] = Math.round(performance.now() - start);
  return result;
}

describe('operating a day with the CLI on the local stack', () => {
  after(() => console.log(`CLI response times, process start to exit (ms): ${JSON.stringify(cliTimes)}`));

  it("answers seed 004's correlation query for the simulated day from the run history", async () => {
    const status = JSON.parse(pipeline('status', '2025-11-29', '--json').stdout) as {
      slate: { correlation_id: string };
      source: string;
    };
    assert.equal(status.source, 'live');
    // One chain: the night's results, the hand-over and the slate it started.
    const trail = await correlationTrail(bigquery.bigquery, status.slate.correlation_id);
    const triggers = trail.filter((r) => r.kind === 'trigger').map((r) => r.trigger_id);
    for (const id of [
      gameDayTriggerId('2025-11-28', 'phase3'),
      gameDayTriggerId('2025-11-28', 'handover'),
      ...['phase4/1', 'phase4/2', 'phase4/3', 'phase5', 'phase6'].map((key) => gameDayTriggerId('2025-11-29', key)),
    ]) {
      assert.ok(triggers.includes(id), id);
    }
    assert.ok(trail.filter((r) => r.kind === 'completion').length >= 21 + 5 + 5 + 1);
  });

  it("answers pipeline status over Temporal's HTTP API, exactly as over gRPC", async () => {
    const overHttp = await statusOverHttp(loadConfig(cliEnv), '2025-11-29');
    assert.ok(overHttp, 'the HTTP API answered');
    const overGrpc = spawnSync(process.execPath, [cli, 'status', '2025-11-29', '--json'], {
      encoding: 'utf8',
      env: { ...cliEnv, TEMPORAL_HTTP_URL: 'http://127.0.0.1:1' }, // nothing listens: the gRPC path answers
    });
    assert.deepEqual(overHttp, JSON.parse(overGrpc.stdout));
  });

  it('pushes a date stuck at 20/21 on with pipeline trigger, once', async () => {
    const gameDate = '2025-11-30';
    const stuck = phaseCompletions('phase2', { gameDate, correlationId: 'corr-stuck' }).filter(
      (m) => m.message.processor_name !== 'BdlPlayerBoxscoresProcessor' && m.message.status !== 'failed',
    );
    await Promise.all(stuck.map(({ topic, message }) => pubsub.pubsub.topic(topic).publishMessage({ json: message })));
    await eventually(
      async () => (await readStatus(client, gameDate)).phases.phase2.completed_count,
      (n) => n === 20,
      '20 of 21 phase 2 completions',
    );
    const fired = pipeline('trigger', 'phase3', '--date', gameDate, '--reason', 'BdlBoxscores checked by hand');
    assert.equal(fired.status, 0, fired.stderr);
    assert.match(
      fired.stdout,
      new RegExp(
        `phase3 of ${gameDate} fired at .*: ${gameDayTriggerId(gameDate, 'phase3')} \\(trigger_source manual\\)`,
      ),
    );
    assert.match(fired.stdout, new RegExp(`/workflows/${workflowIdFor(gameDate)}$`, 'm'));
    const again = pipeline('trigger', 'phase3', '--date', gameDate, '--reason', 'twice');
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /had already fired .*trigger_source manual.*nothing published/);
    const status = await readStatus(client, gameDate);
    assert.deepEqual(
      [status.phases.phase2.status, status.phases.phase2.completed_count, status.triggers?.phase3?.source],
      ['triggered', 20, 'manual'],
    );
  });

  it('a completion lost two days ago: health finds the date stuck, reconcile --fix hands it over, phase 3 fires once', async () => {
    const gameDate = addDays(new Date().toISOString().slice(0, 10), -2); // the night that loses it
    const lost = 'NbacGamebookProcessor';
    const simulated = pipeline('simulate', '--date', addDays(gameDate, 1), '--through', '3', '--lose', lost);
    assert.equal(simulated.status, 0, simulated.stdout + simulated.stderr);
    assert.match(simulated.stdout, /phase3 +0 \(expected 0: waiting on NbacGamebookProcessor\)/);
    const waiting = await readStatus(client, gameDate);
    assert.deepEqual([waiting.phases.phase2.completed_count, waiting.phases.phase2.missing_processors], [20, [lost]]);

    const health = pipeline('health', '--json');
    assert.equal(health.status, 1, health.stderr);
    const { problems } = JSON.parse(health.stdout) as { problems: { kind: string; game_date?: string }[] };
    assert.ok(
      problems.some((p) => p.kind === 'date-stuck' && p.game_date === gameDate),
      health.stdout,
    );
    assert.ok(
      !problems.some((p) => p.kind === 'late-processor' && p.game_date === gameDate),
      'the simulated processors ran in time; only the message was lost',
    );

    const fixed = pipeline('reconcile', '--days', '3', '--fix', '--json');
    const report = JSON.parse(fixed.stdout) as {
      game_date: string;
      missing: { processor: string; fix?: string }[];
      unexplained: string[];
    }[];
    const date = report.find((d) => d.game_date === gameDate);
    assert.deepEqual(
      date?.missing.map((m) => [m.processor, m.fix]),
      [[lost, 'handed-over']],
      fixed.stdout,
    );
    assert.deepEqual(date?.unexplained, [], 'every completion the run counted is in the run history');
    await eventually(
      async () => (await readStatus(client, gameDate)).phases.phase2.status,
      (phase2) => phase2 === 'triggered',
      'phase 3 to fire for the handed-over completion',
    );

    const again = JSON.parse(pipeline('reconcile', '--days', '3', '--json').stdout) as typeof report;
    assert.deepEqual(again.find((d) => d.game_date === gameDate)?.missing, []);
  });

  it('refuses with exit 2 what cannot be done: a rerun of an open date, a trigger for a date with no run', () => {
    const rerun = pipeline('rerun', '2025-11-30', '--from-phase', '3', '--reason', 'r');
    assert.equal(rerun.status, 2, rerun.stderr);
    assert.match(rerun.stderr, /2025-11-30 is still open .*a rerun is for a closed date/);
    const none = pipeline('trigger', 'phase3', '--date', '2025-12-01', '--reason', 'r');
    assert.equal(none.status, 2, none.stderr);
    assert.match(none.stderr, /2025-12-01 has no run/);
  });
});
