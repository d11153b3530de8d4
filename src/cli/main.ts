// The operators' CLI. Every command validates its arguments and exits non-zero with the reason.
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadProcessConfig } from '../config';
import { isCalendarDate } from '../messages/dates';
import { addLeasesCommand } from './leases';
import { connectTemporal, temporalClient } from '../temporal-connection';
import { initCommand } from './init';
import { schedulesCommand } from './schedules';
import { readStatus, renderStatus } from './status';
import type * as BridgeModule from '../../worker/bridge';
import type * as WorkerModule from '../../worker/worker';
import { errorMessage } from '../errors';

type WorkerProcess = typeof WorkerModule;
type BridgeProcess = typeof BridgeModule;

function gameDate(value: string): string {
  if (!isCalendarDate(value)) throw new InvalidArgumentError(`expected a game date YYYY-MM-DD, got "${value}"`);
  return value;
}

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

const program = new Command('pipeline')
  .description('Operate the game-day pipeline: status, simulation and more')
  .showHelpAfterError()
  // A subcommand's options belong to it: `leases break --date` is the break's, not the listing's.
  .enablePositionalOptions()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

program
  .command('status')
  .description('show where a game date stands, phase by phase')
  .argument('<date>', 'game date, YYYY-MM-DD', gameDate)
  .option('--json', 'print the status object as JSON')
  .action(async (date: string, options: { json?: boolean }) => {
    const status = await withTemporal((client) => readStatus(client, date));
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
  .action(async (options: { date: string; through: string; timeout: number }) => {
    const config = loadProcessConfig();
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
        }),
      );
      process.exitCode = ok ? 0 : 1;
    } finally {
      await pubsub.close();
    }
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

program.addCommand(initCommand());
program.addCommand(
  schedulesCommand({
    withTemporal,
    get taskQueue() {
      return loadProcessConfig().temporal.taskQueue;
    },
  }),
);
addLeasesCommand(program, { withTemporal });

/** The process modules load only for their own command, so every other command starts fast. */
function loadProcess<T>(path: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose; import() needs tsx's ESM hooks, which bin/ does not load
  return require(path) as T;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`pipeline: ${errorMessage(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
