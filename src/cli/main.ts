// The operators' CLI. Every command validates its arguments and exits non-zero with the reason.
// `pipeline status` is the command run most: it is defined here and loads only what it uses (over
// Temporal's HTTP API, no client at all); the other commands load from commands.ts.
import { Command } from 'commander';
import { ConfigError, loadProcessConfig } from '../platform/config';
import { errorMessage } from '../platform/errors';
import { runHistory, withTemporal } from './connect';
import { renderStatus } from './status';
import { statusOverHttp } from './status-http';
import { exitCodes, gameDate, UnreachableError, UsageError } from './usage';
import { version } from './version';

const program = new Command('pipeline')
  .description('Operate the game-day pipeline: status, simulation and more')
  .version(version(), '-V, --version', "print the release and this build's Worker Versioning build id")
  .showHelpAfterError()
  // A subcommand's options are its own: `backfill pause --json`, `leases break --date`.
  .enablePositionalOptions()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  // The two long-running processes are entry points of their own (bin/pipeline.js starts them).
  .addHelpText(
    'after',
    `
Processes:
  pipeline worker    run the Temporal worker: game-day workflows and their activities
  pipeline bridge    run the bridge: Pub/Sub completions in, Temporal signals out`,
  );

program
  .command('status')
  .description('show where a game date stands, phase by phase: from its run, else from the run history')
  .argument('<date>', 'game date, YYYY-MM-DD', gameDate)
  .option('--json', 'print the status object as JSON')
  .action(async (date: string, options: { json?: boolean }) => {
    const status =
      (await statusOverHttp(loadProcessConfig(), date)) ??
      (await withTemporal(async (client) =>
        (await import('./status-sources')).statusFromAnywhere(client, date, statusFromRunHistory),
      ));
    console.log(options.json ? JSON.stringify(status, null, 2) : renderStatus(status));
  });

async function statusFromRunHistory(date: string) {
  const [bigquery, history] = await Promise.all([runHistory(), import('./status-history')]);
  return history.statusFromRunHistory(bigquery, date);
}

async function main(): Promise<void> {
  if (process.argv[2] !== 'status') (await import('./commands')).addCommands(program);
  await program.parseAsync(process.argv);
}

main().catch((error: unknown) => {
  console.error(`pipeline: ${errorMessage(error)}`);
  if (error instanceof UnreachableError) process.exit(exitCodes.unreachable);
  process.exit(error instanceof ConfigError || error instanceof UsageError ? exitCodes.usage : exitCodes.problem);
});
