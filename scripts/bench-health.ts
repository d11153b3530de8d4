// `npx tsx scripts/bench-health.ts`: how long `pipeline health` takes over 30 days of history on the
// real servers: 30 sample days in BigQuery (tables and every processor's run in the run history),
// 30 open game-day runs each stuck at 20/21 (so every stuck date is also queried for its count),
// dead letters on the review subscription. Prints the figures and writes bench-results/health.json.
import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { createActivities } from '../src/worker/activities';
import { createExportStorage } from '../src/exports/storage';
import { seedSampleDay } from '../dev/sample/sample-day';
import { upsertRuns } from '../dev/sample/runs';
import { signalCompletion } from '../src/date-run/client';
import { deadLetterAttributes } from '../src/messages/dead-letter';
import { checkHealth } from '../src/watch/health';
import { addDays } from '../src/time';
import { phaseDefinition, pipeline } from '../src/pipeline/definition';
import { startBigQueryEmulator, startDevServer, startPubSubEmulator, tempDir } from '../dev/stack/ephemeral';
import { root } from '../dev/stack/local';

const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const taskQueue = 'bench-health';

async function main(): Promise<void> {
  const dir = tempDir('bench-health');
  const [temporal, pubsub, bigquery] = await Promise.all([
    startDevServer(dir),
    startPubSubEmulator(dir),
    startBigQueryEmulator(dir),
  ]);
  const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  const workerConnection = await NativeConnection.connect({ address: temporal.address });
  const worker = await Worker.create({
    connection: workerConnection,
    taskQueue,
    workflowsPath: require.resolve('../src/worker/workflows'),
    activities: createActivities({
      pubsub: pubsub.pubsub,
      bigquery: bigquery.bigquery,
      storage: createExportStorage({ dir: path.join(dir, 'exports'), bucket: undefined }),
      temporalClient: client,
    }),
  });
  const running = worker.run();

  const today = new Date().toISOString().slice(0, 10);
  const dates = Array.from({ length: DAYS }, (_, i) => addDays(today, -(i + 2)));
  const seedStart = performance.now();
  const phase2 = phaseDefinition('phase2').processors.map((p) => p.name);
  for (const date of dates) {
    const day = await seedSampleDay(bigquery.bigquery, date);
    const template = day.runs[0]!;
    await upsertRuns(
      bigquery.bigquery,
      phase2.map((processor) => ({
        ...template,
        processor_name: processor,
        phase: 'phase_2_raw',
        data_date: date,
        execution_id: `bench-${processor}-${date}`,
      })),
    );
    for (const processor of phase2.slice(1)) {
      await signalCompletion(client, taskQueue, {
        phase: 'phase2',
        processor,
        gameDate: date,
        status: 'success',
        executionId: `bench-${processor}-${date}`,
        skipDownstreamTrigger: false,
      });
    }
  }
  for (let i = 0; i < 50; i += 1) {
    await pubsub.pubsub.topic(pipeline.topics.deadLetter).publishMessage({
      data: Buffer.from('{}'),
      attributes: {
        [deadLetterAttributes.reason]: 'invalid: bench',
        [deadLetterAttributes.receivedAt]: new Date().toISOString(),
      },
    });
  }
  const seedMs = Math.round(performance.now() - seedStart);

  const runsMs: number[] = [];
  let problems = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const start = performance.now();
    const report = await checkHealth({ client, bigquery: bigquery.bigquery, pubsub: pubsub.pubsub, taskQueue });
    runsMs.push(Math.round(performance.now() - start));
    problems = report.problems.length;
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  const figures = {
    days: DAYS,
    open_runs: DAYS,
    dead_letters: 50,
    problems,
    seed_ms: seedMs,
    health_ms: runsMs,
    health_median_ms: sorted[Math.floor(sorted.length / 2)],
    health_max_ms: sorted.at(-1),
    measured_at: new Date().toISOString(),
  };
  console.log(JSON.stringify(figures, null, 2));
  fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench-results', 'health.json'), `${JSON.stringify(figures, null, 2)}\n`);

  worker.shutdown();
  await running;
  await workerConnection.close();
  await client.connection.close();
  await Promise.all([pubsub.stop(), bigquery.stop(), temporal.stop()]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
