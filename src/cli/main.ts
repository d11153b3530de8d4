// The operators' CLI. Every command validates its arguments and exits non-zero with the reason.
import { Command, InvalidArgumentError, Option } from 'commander';
import { connectTemporal, createPubSub, temporalClient } from '../clients';
import { config } from '../config';
import { createBigQuery } from '../bigquery/client';
import { isCalendarDate } from '../messages/dates';
import { checkHealth } from '../health/check';
import { renderHealth } from './health';
import { lostRemain, reconcile, renderReconcile } from '../reconcile/reconcile';
import { schedulesCommand } from './schedules';
import { readStatus, renderStatus } from './status';
import { simulateDay } from './simulate';
import type * as BridgeModule from '../../worker/bridge';
import type * as WorkerModule from '../../worker/worker';

type WorkerProcess = typeof WorkerModule;
type BridgeProcess = typeof BridgeModule;

function gameDate(value: string): string {
  if (!isCalendarDate(value)) throw new InvalidArgumentError(`expected a game date YYYY-MM-DD, got "${value}"`);
  return value;
}

async function withTemporal<T>(run: (client: ReturnType<typeof temporalClient>) => Promise<T>): Promise<T> {
  let connection;
  try {
    connection = await connectTemporal(config);
  } catch (error) {
    throw new Error(
      `cannot reach Temporal at ${config.temporal.address} (is the stack running? npm start): ${(error as Error).message}`,
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

program
  .command('health')
  .description(
    'check the whole pipeline: stuck and expired dates, dead letters, late processors, duplicates, schedules, workers',
  )
  .option('--json', 'print { healthy, problems } as JSON')
  .action(async (options: { json?: boolean }) => {
    const pubsub = createPubSub(config);
    try {
      const report = await withTemporal((client) =>
        checkHealth({ client, bigquery: createBigQuery(config), pubsub, taskQueue: config.temporal.taskQueue }),
      );
      const { checked_at: _checkedAt, ...contract } = report;
      console.log(options.json ? JSON.stringify(contract, null, 2) : renderHealth(report));
      process.exitCode = report.healthy ? 0 : 1;
    } finally {
      await pubsub.close();
    }
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
    const report = await withTemporal((client) =>
      reconcile({
        client,
        bigquery: createBigQuery(config),
        taskQueue: config.temporal.taskQueue,
        days: options.days,
        fix: options.fix === true,
      }),
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

program.addCommand(schedulesCommand({ withTemporal, taskQueue: config.temporal.taskQueue }));

/** The process modules load only for their own command, so every other command starts fast. */
function loadProcess<T>(path: string): T {
  return require(path) as T;
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
  console.error(`pipeline: ${(error as Error).message}`);
  process.exit(1);
});
