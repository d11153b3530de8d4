// The operators' CLI. Every command validates its arguments and exits non-zero with the reason.
import type { PubSub } from '@google-cloud/pubsub';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadProcessConfig } from '../config';
import { connectTemporal, temporalClient } from '../temporal-connection';
import { addBackfillCommand } from './backfill';
import { completeCommand } from './complete';
import { addDaysCommand } from './days';
import { addDeadLettersCommand } from './dead-letters';
import { addLeasesCommand } from './leases';
import { exportCommand } from './export';
import { initCommand } from './init';
import { pipeline } from '../pipeline/definition';
import { gameDate, UsageError } from './operator';
import { rerunCommand } from './rerun';
import { schedulesCommand } from './schedules';
import { renderStatus } from './status';
import { statusFromAnywhere } from './status-sources';
import { triggerCommand } from './trigger';
import { addWatchCommand } from './watch';
import type * as BridgeModule from '../../worker/bridge';
import type * as WorkerModule from '../../worker/worker';
import { errorMessage } from '../errors';

type WorkerProcess = typeof WorkerModule;
type BridgeProcess = typeof BridgeModule;

async function withTemporal<T>(run: (client: ReturnType<typeof temporalClient>) => Promise<T>): Promise<T> {
  const config = loadProcessConfig();
  let connection;
  try {
    connection = await connectTemporal(config);
  } catch (error) {
    throw new Error(
      `cannot reach Temporal at ${config.temporal.address} (is the stack running? npm start): ${errorMessage(error)}`,
    );
  }
  try {
    return await run(temporalClient(config, connection));
  } finally {
    await connection.close();
  }
}

async function withPubSub<T>(run: (pubsub: PubSub) => Promise<T>): Promise<T> {
  const { createPubSub } = await import('../clients');
  const pubsub = createPubSub(loadProcessConfig());
  try {
    return await run(pubsub);
  } finally {
    await pubsub.close();
  }
}

const program = new Command('pipeline')
  .description('Operate the game-day pipeline: status, simulation and more')
  .showHelpAfterError()
  // A subcommand's options are its own: `backfill pause --json`, `leases break --date`.
  .enablePositionalOptions()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

program
  .command('status')
  .description('show where a game date stands, phase by phase: from its run, else from the run history')
  .argument('<date>', 'game date, YYYY-MM-DD', gameDate)
  .option('--json', 'print the status object as JSON')
  .action(async (date: string, options: { json?: boolean }) => {
    const status = await withTemporal((client) => statusFromAnywhere(client, date, statusFromRunHistory));
    console.log(options.json ? JSON.stringify(status, null, 2) : renderStatus(status));
  });

program
  .command('simulate')
  .description('publish a realistic day of completions to Pub/Sub and watch the triggers go out')
  .requiredOption('--date <date>', 'game date, YYYY-MM-DD', gameDate)
  .addOption(
    new Option('--through <phase>', 'the last phase to see started').choices(['3', '4', '5', '6']).default('6'),
  )
  .addOption(
    new Option('--timeout <seconds>', 'give up waiting for a trigger after this long').default(60).argParser(positive),
  )
  .option(
    '--lose <processor>',
    "lose this processor's completion on its way, as on a cold start (its run is recorded): the day waits on it",
  )
  .option(
    '--allow-real-pubsub',
    'publish to real Pub/Sub (PUBSUB_EMULATOR_HOST empty): real processors would act on it',
  )
  .action(
    async (options: { date: string; through: string; timeout: number; lose?: string; allowRealPubsub?: boolean }) => {
      const config = loadProcessConfig();
      if (options.lose !== undefined) losable(options.lose, Number(options.through));
      if (!config.pubsubEmulatorHost && !options.allowRealPubsub) {
        throw new UsageError(
          'PUBSUB_EMULATOR_HOST is empty: simulate would publish a fake day to real Pub/Sub. Point it at an emulator, or pass --allow-real-pubsub',
        );
      }
      // Loaded here: `pipeline status` and the like start without the Google Cloud clients.
      const [{ createPubSub }, { createBigQuery }, { simulateDay }] = await Promise.all([
        import('../clients'),
        import('../bigquery/client'),
        import('./simulate'),
      ]);
      const pubsub = createPubSub(config);
      const bigquery = config.bigqueryEmulatorHost ? createBigQuery(config) : undefined; // sample rows go to the emulator only
      try {
        const ok = await withTemporal((client) =>
          simulateDay({
            pubsub,
            client,
            bigquery,
            exportDir: config.exports.bucket ? undefined : config.exports.dir,
            gameDate: options.date,
            through: Number(options.through),
            timeoutMs: options.timeout * 1000,
            lose: options.lose,
          }),
        );
        process.exitCode = ok ? 0 : 1;
      } finally {
        await pubsub.close();
      }
    },
  );

program
  .command('health')
  .description(
    'check the whole pipeline: stuck and expired dates, dead letters, late processors, duplicates, schedules, workers',
  )
  .option('--json', 'print { healthy, problems } as JSON')
  .action(async (options: { json?: boolean }) => {
    const { taskQueue } = loadProcessConfig().temporal;
    const [{ checkHealth }, { renderHealth }, bigquery] = await Promise.all([
      import('../health/check'),
      import('./health'),
      runHistory(),
    ]);
    const report = await withPubSub((pubsub) =>
      withTemporal((client) => checkHealth({ client, bigquery, pubsub, taskQueue })),
    );
    const { checked_at: _checkedAt, ...contract } = report;
    console.log(options.json ? JSON.stringify(contract, null, 2) : renderHealth(report));
    process.exitCode = report.healthy ? 0 : 1;
  });

program
  .command('reconcile')
  .description(
    "compare the processors' run history with what each date's run received; --fix hands lost completions over",
  )
  .requiredOption('--days <n>', 'how many past game dates to look at', wholeDays)
  .option('--fix', 'hand each lost completion to its run (the normal rules then fire what is due, once)')
  .option('--json', 'print the report as JSON')
  .action(async (options: { days: number; fix?: boolean; json?: boolean }) => {
    const { taskQueue } = loadProcessConfig().temporal;
    const [{ reconcile, renderReconcile, lostRemain }, bigquery] = await Promise.all([
      import('../reconcile/reconcile'),
      runHistory(),
    ]);
    const report = await withTemporal((client) =>
      reconcile({ client, bigquery, taskQueue, days: options.days, fix: options.fix === true }),
    );
    console.log(options.json ? JSON.stringify(report, null, 2) : renderReconcile(report));
    process.exitCode = lostRemain(report) ? 1 : 0;
  });

// The two long-running processes: the stack, the containers and the fault suite start them this way.
program
  .command('worker')
  .description('run the Temporal worker: game-day workflows and their activities')
  .action(() => loadProcess<WorkerProcess>('../../worker/worker').runWorker());

program
  .command('bridge')
  .description('run the bridge: Pub/Sub completions in, Temporal signals out')
  .action(() => loadProcess<BridgeProcess>('../../worker/bridge').runBridge());

// Commands built in their own modules take the program's settings (bad usage exits 2, with help).
const settings = {
  withTemporal,
  get taskQueue() {
    return loadProcessConfig().temporal.taskQueue;
  },
};
for (const command of [
  initCommand(),
  schedulesCommand(settings),
  triggerCommand(settings),
  completeCommand(settings),
  rerunCommand({ ...settings, countCloses: closedRunCount }),
  exportCommand(settings),
]) {
  program.addCommand(command.copyInheritedSettings(program));
}

// The run history is read only when needed, so other commands start without the BigQuery client.
async function runHistory() {
  const { createBigQuery } = await import('../bigquery/client');
  return createBigQuery(loadProcessConfig());
}

async function statusFromRunHistory(date: string) {
  const [bigquery, history] = await Promise.all([runHistory(), import('./status-history')]);
  return history.statusFromRunHistory(bigquery, date);
}

async function closedRunCount(date: string): Promise<number> {
  const [bigquery, history] = await Promise.all([runHistory(), import('../bigquery/run-history')]);
  return history.closedRunCount(bigquery, date);
}

addBackfillCommand(program, { ...settings, gameDate });
addDeadLettersCommand(program, { withPubSub });
addWatchCommand(program, { withTemporal, gameDate });
addDaysCommand(program, { withTemporal, bigquery: runHistory, gameDate });
addLeasesCommand(program, { withTemporal });

/** The process modules load only for their own command, so every other command starts fast. */
function loadProcess<T>(path: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose; import() needs tsx's ESM hooks, which bin/ does not load
  return require(path) as T;
}

/** A processor the simulated day publishes for, in a phase it reaches (phase 2 is answered by phase 3). */
function losable(processor: string, through: number): void {
  const phase = pipeline.phases.find((p) => p.completionTopic && p.processors.some((x) => x.name === processor));
  if (!phase)
    throw new UsageError(`--lose: no processor ${processor} in phases 2-5 (names as in src/pipeline/definition.ts)`);
  const answeredBy = Number(phase.key.slice('phase'.length)) + 1;
  if (answeredBy > through)
    throw new UsageError(
      `--lose ${processor}: its phase is answered by phase ${answeredBy}; pass --through ${answeredBy} or more`,
    );
}

function wholeDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 90)
    throw new InvalidArgumentError(`expected whole days 1-90, got "${value}"`);
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`pipeline: ${errorMessage(error)}`);
  process.exit(error instanceof ConfigError || error instanceof UsageError ? 2 : 1);
});
