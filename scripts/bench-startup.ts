// Start-up figures for `npm run bench`, against the running dev server the bench started: the
// worker until "worker started" with the prebuilt bundle (compiled) and bundling at start (tsx), and
// `pipeline status` compiled vs tsx, side by side with `temporal workflow query` on the same run.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../dev/stack/ephemeral';
import { binaries, root } from '../dev/stack/local';

export interface StartupFigures {
  worker_start_ms: { prebuilt_bundle: number[]; bundled_at_start: number[]; ratio_bundled_to_prebuilt_median: number };
  status_ms: {
    /** Over Temporal's HTTP API (the default), and over gRPC (the fallback when that is not reachable). */
    compiled: number[];
    compiled_grpc: number[];
    tsx: number[];
    temporal_workflow_query: number[];
    /** The floor for any Node CLI: load @temporalio/client, connect, query, close — nothing else. */
    bare_client_query: number[];
    ratio_tsx_to_compiled_median: number;
    ratio_grpc_to_http_median: number;
    ratio_compiled_to_temporal_query_median: number;
    ratio_compiled_to_bare_client_median: number;
  };
}

const compiledCli = path.join(root, 'dist/src/cli/main.js');
const bareClientQuery = `
const { Client, Connection } = require('@temporalio/client');
(async () => {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  await new Client({ connection }).workflow.getHandle(process.argv[1]).query('status');
  await connection.close();
})();`;
const sourceCli = path.join(root, 'src/cli/main.ts');

/** Milliseconds from spawn until the worker logs "worker started"; then stops it. */
async function workerStartMs(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [...args, 'worker'], {
    env: { ...process.env, ...env, WORKER_METRICS_PORT: String(await freePort()), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ms = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('"msg":"worker started"')) resolve(performance.now() - started);
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it started`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return ms;
}

function timed(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

export async function measureStartup(
  env: NodeJS.ProcessEnv & { TEMPORAL_ADDRESS: string },
  gameDate: string,
  rounds: { worker: number; status: number },
): Promise<StartupFigures> {
  const prebuilt: number[] = [];
  const bundled: number[] = [];
  const workerEnv = { ...env, TEMPORAL_TASK_QUEUE: 'bench-startup' }; // an idle queue: nothing to process
  for (let i = 0; i < rounds.worker; i++) {
    prebuilt.push(await workerStartMs([compiledCli], workerEnv));
    bundled.push(await workerStartMs(['--import', 'tsx', sourceCli], workerEnv));
  }
  const compiled: number[] = [];
  const compiledGrpc: number[] = [];
  const noHttpApi = { ...env, TEMPORAL_HTTP_URL: 'http://127.0.0.1:1' };
  const tsx: number[] = [];
  const query: number[] = [];
  const bare: number[] = [];
  const workflowId = `game-day-${gameDate}`;
  for (let i = 0; i < rounds.status; i++) {
    compiled.push(timed(process.execPath, [compiledCli, 'status', gameDate, '--json'], env));
    compiledGrpc.push(timed(process.execPath, [compiledCli, 'status', gameDate, '--json'], noHttpApi));
    tsx.push(timed(process.execPath, ['--import', 'tsx', sourceCli, 'status', gameDate, '--json'], env));
    query.push(
      timed(
        binaries.temporal,
        ['workflow', 'query', '--address', env.TEMPORAL_ADDRESS, '--workflow-id', workflowId, '--name', 'status'],
        env,
      ),
    );
    bare.push(
      timed(process.execPath, ['-e', bareClientQuery, workflowId], {
        ...env,
        NODE_PATH: path.join(root, 'node_modules'),
      }),
    );
  }
  return {
    worker_start_ms: {
      prebuilt_bundle: prebuilt.map(round),
      bundled_at_start: bundled.map(round),
      ratio_bundled_to_prebuilt_median: round(median(bundled) / median(prebuilt)),
    },
    status_ms: {
      compiled: compiled.map(round),
      compiled_grpc: compiledGrpc.map(round),
      tsx: tsx.map(round),
      temporal_workflow_query: query.map(round),
      bare_client_query: bare.map(round),
      ratio_tsx_to_compiled_median: round(median(tsx) / median(compiled)),
      ratio_grpc_to_http_median: round(median(compiledGrpc) / median(compiled)),
      ratio_compiled_to_temporal_query_median: round(median(compiled) / median(query)),
      ratio_compiled_to_bare_client_median: round(median(compiled) / median(bare)),
    },
  };
}

export const round = (n: number) => Math.round(n * 10) / 10;
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
