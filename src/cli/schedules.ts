// `pipeline schedules [--apply] [--json]`: the Temporal Schedules that fire phase 6 and open each
// game day; --apply creates or updates them from the pipeline's data first.
import type { Client } from '@temporalio/client';
import Table from 'cli-table3';
import { Command } from 'commander';
import { ensureSchedules, listSchedules, type ScheduleListing } from '../watch/schedules';

export interface SchedulesCommandDeps {
  withTemporal: <T>(run: (client: Client) => Promise<T>) => Promise<T>;
  taskQueue: string;
}

export function schedulesCommand(deps: SchedulesCommandDeps): Command {
  return new Command('schedules')
    .description('list the pipeline schedules (id, spec, next and last run); --apply creates or updates them first')
    .option('--apply', 'create missing schedules and update changed ones, then list them')
    .option('--json', 'print the list as JSON')
    .action(async (options: { apply?: boolean; json?: boolean }) => {
      const { ensured, listing } = await deps.withTemporal(async (client) => {
        const ensured = options.apply ? await ensureSchedules(client, deps.taskQueue) : [];
        return { ensured, listing: await listSchedules(client) };
      });
      if (options.json) {
        console.log(JSON.stringify(listing, null, 2));
        return;
      }
      for (const e of ensured) console.log(`${e.action} ${e.id}`);
      console.log(renderSchedules(listing));
    });
}

export function renderSchedules(listing: ScheduleListing[]): string {
  const table = new Table({
    head: ['schedule', 'spec', 'next run', 'last run', 'state'],
    style: { head: [], border: [] },
  });
  for (const s of listing) {
    table.push([
      s.id,
      `${s.cron} ${s.timeZone}`,
      s.nextRun ?? '',
      s.lastRun ? `${s.lastRun} ${s.lastWorkflowId ?? ''}` : '',
      stateOf(s),
    ]);
  }
  return table.toString();
}

function stateOf(s: ScheduleListing): string {
  if (!s.applied) return 'not applied (--apply)';
  return s.paused ? 'paused' : 'active';
}
