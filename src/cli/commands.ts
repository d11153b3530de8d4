// Every command but `pipeline status`, which main.ts defines and answers without loading these.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { loadProcessConfig } from '../platform/config';
import { pipeline } from '../pipeline/definition';
import { addBackfillCommand } from './backfill';
import { completeCommand } from './complete';
import { addCompletionCommand } from './completion';
import { runHistory, withPubSub, withTemporal } from './connect';
import { addDaysCommand } from './days';
import { addDeadLettersCommand } from './dead-letters';
import { addDeployCommand } from './deploy';
import { exportCommand } from './export';
import { initCommand } from './init';
import { addLeasesCommand } from './leases';
import { rerunCommand } from './rerun';
import { schedulesCommand } from './schedules';
import { triggerCommand } from './trigger';
import { gameDate, UsageError } from './usage';
import { addWatchCommand } from './watch';

export function addCommands(program: Command): void {
  addSimulateCommand(program);
  addHealthCommand(program);
  addReconcileCommand(program);
  addOperatorCommands(program);
}

interface SimulateOptions {
  date: string;
  night?: string;
  through: string;
  timeout: number;
  lose?: string;
  allowRealPubsub?: boolean;
}

function addSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description("publish last night's results and this morning's slate to Pub/Sub, and watch the triggers go out")
    .requiredOption(
      '--date <date>',
      "the slate's game date, YYYY-MM-DD (the results are of the night before)",
      gameDate,
    )
    .option('--night <date>', 'the night whose results start the slate (default: the day before --date)', gameDate)
    .addOption(
      new Option('--through <phase>', 'the last phase to see started').choices(['3', '4', '5', '6']).default('6'),
    )
    .addOption(
      new Option('--timeout <seconds>', 'give up waiting for a trigger after this long')
        .default(60)
        .argParser(positive),
    )
    .option(
      '--lose <processor>',
      "lose this processor's completion on its way, as on a cold start (its run is recorded): the day waits on it",
    )
    .option(
      '--allow-real-pubsub',
      'publish to real Pub/Sub (PUBSUB_EMULATOR_HOST empty): real processors would act on it',
    )
    .action(simulate);
}

async function simulate(options: SimulateOptions): Promise<void> {
  const config = loadProcessConfig();
  if (options.lose !== undefined) losable(options.lose, Number(options.through));
  if (!config.pubsubEmulatorHost && !options.allowRealPubsub) {
    throw new UsageError(
      'PUBSUB_EMULATOR_HOST is empty: simulate would publish a fake day to real Pub/Sub. Point it at an emulator, or pass --allow-real-pubsub',
    );
  }
  // Loaded here: `pipeline status` and the like start without the Google Cloud clients.
  const [{ createPubSub }, { createBigQuery }, { simulateDay }] = await Promise.all([
    import('../platform/clients'),
    import('../platform/bigquery'),
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
        ...(options.night ? { night: options.night } : {}),
        through: Number(options.through),
        timeoutMs: options.timeout * 1000,
        lose: options.lose,
      }),
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    await pubsub.close();
  }
}

function addHealthCommand(program: Command): void {
  program
    .command('health')
    .description(
      'check the whole pipeline: stuck and expired dates, dead letters, late processors, duplicates, schedules, workers',
    )
    .option('--json', 'print { healthy, problems } as JSON')
    .action(async (options: { json?: boolean }) => {
      const { taskQueue, deploymentName } = loadProcessConfig().temporal;
      const [{ checkHealth }, { renderHealth }, bigquery] = await Promise.all([
        import('../watch/health'),
        import('./health'),
        runHistory(),
      ]);
      const report = await withPubSub((pubsub) =>
        withTemporal((client) => checkHealth({ client, bigquery, pubsub, taskQueue, deploymentName })),
      );
      const { checked_at: _checkedAt, ...contract } = report;
      console.log(options.json ? JSON.stringify(contract, null, 2) : renderHealth(report));
      process.exitCode = report.healthy ? 0 : 1;
    });
}

function addReconcileCommand(program: Command): void {
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
      const [{ reconcile, renderReconcile, lostRemain }, { firstProcessorRuns }, bigquery] = await Promise.all([
        import('../watch/reconcile'),
        import('../watch/queries'),
        runHistory(),
      ]);
      const runsBetween = (from: string, to: string) => firstProcessorRuns(bigquery, from, to);
      const { closedRunOf } = await import('../run-history/run-history');
      // What the bridge refused on purpose is never handed over: the dead letters say which.
      const refused = options.fix
        ? await withPubSub(async (pubsub) => (await import('../watch/rejected')).refusedCompletions(pubsub))
        : [];
      const report = await withTemporal((client) =>
        reconcile({
          client,
          runsBetween,
          closedRunOf: (gameDate) => closedRunOf(bigquery, gameDate),
          taskQueue,
          days: options.days,
          fix: options.fix === true,
          refused,
        }),
      );
      console.log(options.json ? JSON.stringify(report, null, 2) : renderReconcile(report));
      process.exitCode = lostRemain(report) ? 1 : 0;
    });
}

/** Commands built in their own modules take the program's settings (bad usage exits 2, with help). */
function addOperatorCommands(program: Command): void {
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

  addBackfillCommand(program, { ...settings, gameDate });
  addDeadLettersCommand(program, { withPubSub });
  addWatchCommand(program, { withTemporal, gameDate });
  addDaysCommand(program, { withTemporal, bigquery: runHistory, gameDate });
  addLeasesCommand(program, { withTemporal });
  addCompletionCommand(program);
  addDeployCommand(program, { withTemporal, deploymentName: () => loadProcessConfig().temporal.deploymentName });
}

async function closedRunCount(date: string): Promise<number> {
  const [bigquery, history] = await Promise.all([runHistory(), import('../run-history/run-history')]);
  return history.closedRunCount(bigquery, date);
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
