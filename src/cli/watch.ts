// `pipeline watch <date>`: a live view of one day, redrawn in place — phases, done/expected,
// missing processors, triggers with their times, the deadlines still ahead — until the day is
// complete or closed, or Ctrl-C.
import readline from 'node:readline';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { addDays } from '../time';
import { pipeline } from '../pipeline/definition';
import { zonedInstant } from '../time';
import type { GameDayStatus } from '../date-run/status';
import { renderStatus } from './status';
import { readStatus } from './status-sources';

export interface WatchCommandDeps {
  withTemporal: <T>(run: (client: Client) => Promise<T>) => Promise<T>;
  gameDate: (value: string) => string;
}

const finished = new Set(['complete', 'closed', 'expired', 'late', 'no_games']);

/** The date's deadlines still ahead of `now`: its slate's (phase 5, on the day), then its results' (the morning after). */
export function deadlinesAhead(gameDate: string, now: number): { what: string; at: number; timeZone: string }[] {
  const { timeZone, backupAt, retryAt, slaCheckAt } = pipeline.phase5;
  const due = (phase: 'phase2' | 'phase3', what: string) => {
    const d = pipeline.phaseDeadlines[phase];
    return {
      what: `${what} ${addDays(gameDate, d.daysAfter)} ${d.at}`,
      at: zonedInstant(addDays(gameDate, d.daysAfter), d.at, d.timeZone),
      timeZone: d.timeZone,
    };
  };
  const all = [
    { what: `backup start ${backupAt}`, at: zonedInstant(gameDate, backupAt, timeZone), timeZone },
    ...retryAt.map((t, i) => ({
      what: `straggler retry ${i + 1} ${t}`,
      at: zonedInstant(gameDate, t, timeZone),
      timeZone,
    })),
    { what: `SLA check ${slaCheckAt}`, at: zonedInstant(gameDate, slaCheckAt, timeZone), timeZone },
    due('phase2', 'results: phase 2 due'),
    due('phase3', 'results: phase 3 due, then handed over'),
  ];
  return all.filter((d) => d.at > now);
}

function inWords(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h ${minutes % 60}m` : `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** The whole view: the status table, each trigger with its time, the deadlines ahead. */
export function renderWatch(status: GameDayStatus, now: number): string {
  const triggers = Object.values(status.triggers ?? {})
    .sort((a, b) => a.firedAt.localeCompare(b.firedAt))
    .map((t) => `  ${t.firedAt}  ${t.key.padEnd(12)} ${t.skipped ? 'skipped (backfill)' : t.triggerId}`);
  const deadlines = deadlinesAhead(status.game_date, now).map(
    (d) => `  ${new Date(d.at).toISOString()}  ${d.what} (${d.timeZone}), in ${inWords(d.at - now)}`,
  );
  return [
    renderStatus(status),
    'triggers',
    ...(triggers.length > 0 ? triggers : ['  none yet']),
    'deadlines ahead',
    ...(deadlines.length > 0 ? deadlines : ['  none']),
    `updated ${new Date(now).toISOString()} · Ctrl-C to stop watching`,
  ].join('\n');
}

export function addWatchCommand(program: Command, deps: WatchCommandDeps): void {
  program
    .command('watch')
    .description('a live view of one day, redrawn in place until it completes or Ctrl-C')
    .argument('<date>', 'game date, YYYY-MM-DD', deps.gameDate)
    .option('--json', 'print the status as one JSON line each time it changes')
    .action(async (date: string, options: { json?: boolean }) => {
      let stopped = false;
      const stop = () => (stopped = true);
      process.once('SIGINT', stop);
      try {
        await deps.withTemporal(async (client) => {
          let drawn = 0;
          let last = '';
          while (!stopped) {
            const status = await readStatus(client, date);
            const json = JSON.stringify(status);
            if (options.json) {
              if (json !== last) console.log(json);
            } else {
              const view = renderWatch(status, Date.now());
              if (process.stdout.isTTY && drawn > 0) {
                readline.moveCursor(process.stdout, 0, -drawn);
                readline.clearScreenDown(process.stdout);
              }
              if (process.stdout.isTTY || json !== last) console.log(view);
              drawn = view.split('\n').length;
            }
            last = json;
            if (finished.has(status.waiting_on ?? '')) return;
            await new Promise((r) => setTimeout(r, pipeline.operations.watchRefreshEvery));
          }
        });
      } finally {
        process.off('SIGINT', stop);
      }
    });
}
