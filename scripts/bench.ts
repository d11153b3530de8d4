// `npm run bench`: how fast a complete phase 2 turns into the phase 3 trigger, end to end through
// the real servers, the bridge and the worker processes: all 21 completions at once onto a new date
// (a burst), and the last one alone once the run holds the other 20 (the hop). Prints figures and writes them to
// bench-results/phase3-latency.json. Then start-up: the worker with and without the prebuilt
// workflow bundle, `pipeline status` compiled vs tsx vs `temporal workflow query` (medians in
// bench-results/startup.json; `npm run bench` builds first; BENCH_STARTUP=0 skips them). Compare
// ratios within one run: these machines are noisy.
import fs from 'node:fs';
import path from 'node:path';
import type { Message, PubSub } from '@google-cloud/pubsub';
import { Client, Connection } from '@temporalio/client';
import { statusQuery } from '../src/date-run/status';
import { workflowIdFor } from '../src/pipeline/ids';
import { phaseDefinition, pipeline } from '../src/pipeline/definition';
import { phaseCompletions } from '../dev/simulate/day';
import { freePort, startBigQueryEmulator, startDevServer, startPubSubEmulator, tempDir } from '../dev/stack/ephemeral';
import { processSpecs, root } from '../dev/stack/local';
import { measureStartup, median as medianOf } from './bench-startup';
import { startService } from '../dev/stack/services';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

async function main(): Promise<void> {
  const dir = tempDir('bench');
  const [temporal, emulator, bigquery] = await Promise.all([
    startDevServer(dir),
    startPubSubEmulator(dir),
    startBigQueryEmulator(dir),
  ]);
  const env = {
    ...temporal.env,
    PUBSUB_EMULATOR_HOST: emulator.host,
    BIGQUERY_EMULATOR_HOST: bigquery.host,
    TEMPORAL_TASK_QUEUE: 'bench',
    BRIDGE_PORT: String(await freePort()),
    WORKER_METRICS_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
  const processes = await Promise.all(processSpecs().map((spec) => startService({ ...spec, env }, dir)));
  const triggers = await observe(emulator.pubsub, pipeline.topics.phase3Trigger);
  // The emulator's own delivery, published and received the same way: the hop carries two of them.
  await emulator.pubsub.createTopic('bench-echo');
  const echoes = await observe(emulator.pubsub, 'bench-echo');
  let echo = 0;
  async function delivery(): Promise<number> {
    const key = `echo-${++echo}`;
    await emulator.pubsub.topic('bench-echo').publishMessage({ json: { game_date: key } });
    const published = performance.now();
    return (await echoes.next(key, 10_000)) - published;
  }

  let date = Date.UTC(2024, 0, 1); // past dates: event-driven only, and never `future:`
  const nextDate = () => new Date((date += 86_400_000)).toISOString().slice(0, 10);

  async function oneDay(duplicates: number): Promise<number> {
    const gameDate = nextDate();
    const messages = phaseCompletions('phase2', { gameDate, correlationId: `bench-${gameDate}`, duplicates });
    await Promise.all(
      messages.map(({ topic, message }) => emulator.pubsub.topic(topic).publishMessage({ json: message })),
    );
    const published = performance.now();
    const received = await triggers.next(gameDate, 60_000);
    return received - published;
  }

  const connection = await Connection.connect({ address: temporal.env.TEMPORAL_ADDRESS });
  const client = new Client({ connection });
  /** The last completion alone, once the run holds the others: the hop from it to the trigger. */
  async function lastHop(): Promise<number> {
    const gameDate = nextDate();
    const messages = phaseCompletions('phase2', { gameDate, correlationId: `bench-${gameDate}`, duplicates: 0 });
    const last = messages.pop()!;
    await Promise.all(
      messages.map(({ topic, message }) => emulator.pubsub.topic(topic).publishMessage({ json: message })),
    );
    const others = phaseDefinition('phase2').processors.length - 1;
    for (const until = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > until) throw new Error(`the run of ${gameDate} never held ${others} completions`);
      const status = await client.workflow
        .getHandle(workflowIdFor(gameDate))
        .query(statusQuery)
        .catch(() => undefined);
      if (status?.phases.phase2.completed_count === others) break;
    }
    await emulator.pubsub.topic(last.topic).publishMessage({ json: last.message });
    const published = performance.now();
    return (await triggers.next(gameDate, 60_000)) - published;
  }

  const firstDate = nextDate();
  date -= 86_400_000;
  await oneDay(0); // warm-up: worker bundle, connections
  const withoutDuplicates: number[] = [];
  const withDuplicates: number[] = [];
  const hops: number[] = [];
  const deliveries: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    deliveries.push(await delivery());
    withoutDuplicates.push(await oneDay(0));
    withDuplicates.push(await oneDay(21)); // every processor delivered twice
    hops.push(await lastHop());
  }
  const concurrentStart = performance.now();
  await Promise.all(Array.from({ length: 10 }, () => oneDay(21)));
  const tenDatesAtOnce = performance.now() - concurrentStart;

  const figures = {
    measured_at: new Date().toISOString(),
    rounds: ROUNDS,
    last_completion_hop_ms: {
      description: 'the last phase 2 completion, published once the run holds the other 20 → phase 3 trigger received',
      ...summary(hops),
      without_two_emulator_deliveries_median: round(median(hops) - 2 * median(deliveries)),
    },
    pubsub_emulator_delivery_ms: {
      description: 'a message published on the emulator, confirmed → received by a subscriber (the hop has two)',
      ...summary(deliveries),
    },
    phase3_trigger_latency_ms: {
      description: 'all 21 phase 2 completions published at once onto a new date, confirmed → phase 3 trigger received',
      without_duplicates: summary(withoutDuplicates),
      with_every_message_twice: summary(withDuplicates),
      ratio_duplicates_to_clean_median: round(median(withDuplicates) / median(withoutDuplicates)),
    },
    ten_dates_concurrently_ms: round(tenDatesAtOnce),
    ten_dates_concurrently_to_single_median_ratio: round(tenDatesAtOnce / median(withDuplicates)),
  };
  console.log(JSON.stringify(figures, null, 2));
  const out = path.join(root, 'bench-results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'phase3-latency.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`written to ${path.relative(process.cwd(), path.join(out, 'phase3-latency.json'))}`);

  if (process.env.BENCH_STARTUP === '0') {
    await stopAll();
    return;
  }
  const startup = await measureStartup(env, firstDate, { worker: 3, status: 9 });
  const medians = {
    worker_start_prebuilt_bundle_ms: medianOf(startup.worker_start_ms.prebuilt_bundle),
    worker_start_bundled_at_start_ms: medianOf(startup.worker_start_ms.bundled_at_start),
    status_compiled_ms: medianOf(startup.status_ms.compiled),
    status_compiled_grpc_ms: medianOf(startup.status_ms.compiled_grpc),
    status_tsx_ms: medianOf(startup.status_ms.tsx),
    temporal_workflow_query_ms: medianOf(startup.status_ms.temporal_workflow_query),
    bare_client_query_ms: medianOf(startup.status_ms.bare_client_query),
  };
  const startupFigures = { measured_at: new Date().toISOString(), medians, ...startup };
  console.log(JSON.stringify(startupFigures, null, 2));
  fs.writeFileSync(path.join(out, 'startup.json'), `${JSON.stringify(startupFigures, null, 2)}\n`);

  await stopAll();

  async function stopAll(): Promise<void> {
    await Promise.all([triggers.close(), echoes.close()]);
    await connection.close();
    for (const p of processes.reverse()) await p.stop();
    await emulator.stop();
    await bigquery.stop();
    await temporal.stop();
  }
}

/** Resolves, per game date, the moment its trigger arrived. */
async function observe(pubsub: PubSub, topic: string) {
  const [subscription] = await pubsub.topic(topic).createSubscription(`bench-${topic}`);
  const arrived = new Map<string, number>();
  subscription.on('message', (message: Message) => {
    message.ack();
    arrived.set((JSON.parse(message.data.toString('utf8')) as { game_date: string }).game_date, performance.now());
  });
  return {
    async next(gameDate: string, timeoutMs: number): Promise<number> {
      const until = Date.now() + timeoutMs;
      while (!arrived.has(gameDate)) {
        if (Date.now() > until) throw new Error(`no phase 3 trigger for ${gameDate} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 2));
      }
      return arrived.get(gameDate)!;
    },
    close: () => subscription.close(),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const summary = (xs: number[]) => ({
  median: round(median(xs)),
  p90: round(percentile(xs, 0.9)),
  p99: round(percentile(xs, 0.99)),
  min: round(Math.min(...xs)),
  max: round(Math.max(...xs)),
});

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
