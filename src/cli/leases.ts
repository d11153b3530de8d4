// `pipeline leases [--date D] [--json]`: the processing leases held now, on every open date or one.
// `pipeline leases break --date D --processor NAME --reason TEXT`: ends one whoever holds it, recorded
// with who and why (a holder that hung, not crashed, keeps renewing; its TTL alone would never free it).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import Table from 'cli-table3';
import { InvalidArgumentError, type Command } from 'commander';
import { processorNamed, type BreakOutcome, type BreakRequest } from '../leases/table';
import { workflowIdFor } from '../pipeline/ids';
import { type LeaseListing } from '../leases/updates';
import { leasesQuery } from '../leases/updates';
import { breakLeaseUpdate } from '../leases/updates';
import { gameDate, reasonText, whoAsked } from './operator';
import { printable } from './status';

export interface LeasesCommandDeps {
  withTemporal: <T>(run: (client: Client) => Promise<T>) => Promise<T>;
}

/** Adds `leases` and `leases break` to the program, so they take its settings (bad usage exits 2). */
export function addLeasesCommand(program: Command, deps: LeasesCommandDeps): void {
  const leases = program
    .command('leases')
    .description('list the processing leases held now: on every open date, or on one')
    .enablePositionalOptions() // with the program's: `leases break --date` is the break's option
    .option('--date <date>', 'game date, YYYY-MM-DD', gameDate)
    .option('--json', 'print the leases as JSON')
    .action(async (options: { date?: string; json?: boolean }) => {
      const listings = await deps.withTemporal(async (client) =>
        options.date ? [await leasesOn(client, options.date)] : leasesOnOpenDates(client),
      );
      console.log(options.json ? JSON.stringify(leasesJson(listings), null, 2) : renderLeases(listings));
    });

  leases
    .command('break')
    .description("end a processor's lease on a date whoever holds it (recorded with who and why)")
    .requiredOption('--date <date>', 'game date, YYYY-MM-DD', gameDate)
    .requiredOption('--processor <name>', 'the processor, as in src/pipeline/definition.ts', processorName)
    .requiredOption('--reason <text>', 'why (recorded with the break)', reasonText)
    .option('--json', 'print the outcome as JSON')
    .action(async function (
      this: Command,
      options: { date: string; processor: string; reason: string; json?: boolean },
    ) {
      const request = { processor: options.processor, reason: options.reason, requested_by: whoAsked() };
      const outcome = await deps.withTemporal((client) => breakOn(client, options.date, request));
      if (!outcome.broken) this.error(`pipeline: ${outcome.reason}; nothing broken`, { exitCode: 2 });
      else if (options.json) console.log(JSON.stringify(outcome.lease, null, 2));
      else {
        const { processor, holder, broken_by, reason } = outcome.lease;
        console.log(
          `broke ${processor}'s lease on ${options.date}, held by ${printable(holder)} (by ${broken_by}: ${reason})`,
        );
      }
    });
}

/** The date's leases; a date with no run holds none. */
export async function leasesOn(client: Client, date: string): Promise<LeaseListing> {
  try {
    return await client.workflow.getHandle(workflowIdFor(date)).query(leasesQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { game_date: date, leases: [], broken: [] };
    throw error;
  }
}

/** The leases of every open date's run, by date. */
export async function leasesOnOpenDates(client: Client): Promise<LeaseListing[]> {
  const query = `WorkflowType = 'gameDayWorkflow' AND ExecutionStatus = 'Running'`;
  const listings: LeaseListing[] = [];
  for await (const run of client.workflow.list({ query })) {
    listings.push(await client.workflow.getHandle(run.workflowId).query(leasesQuery));
  }
  return listings.sort((a, b) => (a.game_date < b.game_date ? -1 : 1));
}

export async function breakOn(client: Client, date: string, request: BreakRequest): Promise<BreakOutcome> {
  try {
    return await client.workflow.getHandle(workflowIdFor(date)).executeUpdate(breakLeaseUpdate, { args: [request] });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { broken: false, reason: `${date} has no open run` };
    throw error;
  }
}

/** One flat list each, every entry with its date: what `--json` prints. */
export function leasesJson(listings: LeaseListing[]) {
  return {
    leases: listings.flatMap((l) => l.leases.map((lease) => ({ game_date: l.game_date, ...lease }))),
    broken: listings.flatMap((l) => l.broken.map((lease) => ({ game_date: l.game_date, ...lease }))),
  };
}

export function renderLeases(listings: LeaseListing[]): string {
  const { leases, broken } = leasesJson(listings);
  if (leases.length === 0 && broken.length === 0) return 'no processing leases held';
  const table = new Table({
    head: ['game date', 'processor', 'holder', 'acquired at', 'expires at'],
    style: { head: [], border: [] },
  });
  for (const l of leases) table.push([l.game_date, l.processor, printable(l.holder), l.acquired_at, l.expires_at]);
  const lines = leases.length > 0 ? [table.toString()] : ['no processing leases held'];
  for (const b of broken) {
    lines.push(
      `broken ${b.broken_at}: ${b.game_date} ${b.processor} (held by ${printable(b.holder)}) by ${printable(b.broken_by)}: ${printable(b.reason)}`,
    );
  }
  return lines.join('\n');
}

function processorName(value: string): string {
  const name = processorNamed(value);
  if (!name) throw new InvalidArgumentError(`unknown processor "${value}" (see src/pipeline/definition.ts)`);
  return name;
}
