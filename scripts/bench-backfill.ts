// `npx tsx scripts/bench-backfill.ts`: backfill throughput (dates per minute, through phase 3, 4 at a
// time) next to the bare Temporal ceiling (empty workflows per minute) measured in the same run on
// the same dev server, and the CLI's response time. Figures go to bench-results/backfill.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { freePort, startBigQueryEmulator, startDevServer, startPubSubEmulator, tempDir } from '../src/stack/ephemeral';
import { processSpecs, root } from '../src/stack/local';
import { startService } from '../src/stack/services';

const EMPTY_WORKFLOWS = Number(process.env.BENCH_EMPTY_WORKFLOWS ?? 200);
const cli = path.join(root, 'bin/pipeline.js');

async function main(): Promise<void> {
  const dir = tempDir('bench-backfill');
  const [temporal, emulator, bigquery] = await Promise.all([
    startDevServer(dir),
    startPubSubEmulator(dir),
    startBigQueryEmulator(dir),
  ]);
  const env = {
    ...process.env,
    ...temporal.env,
    PUBSUB_EMULATOR_HOST: emulator.host,
    BIGQUERY_EMULATOR_HOST: bigquery.host,
    TEMPORAL_TASK_QUEUE: 'bench-backfill',
    WORKER_METRICS_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
  const worker = processSpecs().find((spec) => spec.name === 'worker')!;
  const processes = [await startService({ ...worker, env }, dir)];
  const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });

  // The ceiling: empty workflows started and finished, 50 at a time, by an in-process worker.
  const emptyWorker = await Worker.create({
    connection: await NativeConnection.connect({ address: temporal.address }),
    taskQueue: 'bench-empty',
    workflowsPath: require.resolve('./bench/empty-workflow'),
  });
  const emptyRun = emptyWorker.run();
  const emptyStart = performance.now();
  for (let i = 0; i < EMPTY_WORKFLOWS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, EMPTY_WORKFLOWS - i) }, (_, j) =>
        client.workflow.execute('emptyWorkflow', { taskQueue: 'bench-empty', workflowId: `empty-${i + j}` }),
      ),
    );
  }
  const emptyPerMinute = EMPTY_WORKFLOWS / ((performance.now() - emptyStart) / 60_000);
  emptyWorker.shutdown();
  await emptyRun;

  // The backfill: a month through phase 3, 4 dates at a time, through the CLI as an operator runs it.
  const run = (...args: string[]) => {
    const start = performance.now();
    const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env, timeout: 600_000 });
    if (result.status !== 0) throw new Error(`pipeline ${args.join(' ')} failed: ${result.stderr}`);
    return { ms: performance.now() - start, stdout: result.stdout };
  };
  const backfill = run(
    ...['backfill', '--from', '2024-01-01', '--to', '2024-01-31', '--through-phase', '3'],
    ...['--max-active', '4', '--reason', 'bench', '--json'],
  );
  const progress = JSON.parse(backfill.stdout) as { done: number; started_at: string };
  const datesPerMinute = progress.done / (backfill.ms / 60_000);

  const responses = {
    status_ms: run('status', '2024-01-15', '--json').ms,
    days_ms: run('days', '--from', '2024-01-01', '--to', '2024-01-31', '--json').ms,
    dry_run_ms: run('backfill', '--from', '2024-01-01', '--to', '2024-01-31', '--dry-run', '--json').ms,
  };
  const figures = {
    measured_at: new Date().toISOString(),
    empty_workflows_per_minute: Math.round(emptyPerMinute),
    backfill_dates: progress.done,
    backfill_dates_per_minute: Math.round(datesPerMinute),
    cli_response_ms: Object.fromEntries(Object.entries(responses).map(([k, v]) => [k, Math.round(v)])),
  };
  console.log(JSON.stringify(figures, null, 2));
  fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench-results/backfill.json'), `${JSON.stringify(figures, null, 2)}\n`);

  await Promise.all(processes.map((p) => p.stop()));
  await Promise.all([temporal.stop(), emulator.stop(), bigquery.stop()]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
