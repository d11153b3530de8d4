// `pipeline backfill`: starts one durable backfill over a range of past dates and shows its progress
// bar (Ctrl-C detaches; `--watch ID` re-attaches); `pause`, `resume`, `cancel` steer a running one.
import os from 'node:os';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { pipeline } from '../pipeline/definition';
import { backfillWorkflowIdFor } from '../pipeline/ids';
import type { BackfillProgress, backfillWorkflow } from '../backfill/workflow';
import { backfillRangeProblem, backfillSteps, datesOf, type BackfillRange } from '../backfill/plan';
import { calendarDateIn } from '../time';

export interface BackfillCommandDeps {
  withTemporal: <T>(run: (client: Client) => Promise<T>) => Promise<T>;
  taskQueue: string;
  gameDate: (value: string) => string;
}

interface StartOptions {
  from?: string;
  to?: string;
  fromPhase: number;
  throughPhase: number;
  maxActive: number;
  dryRun?: boolean;
  reason?: string;
  watch?: string;
  detach?: boolean;
  json?: boolean;
}

const requestedBy = (): string => os.userInfo().username;
const whole = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return Number(value);
};
const reasonText = (value: string): string => {
  if (!value.trim()) throw new InvalidArgumentError('a reason is required: who asked for this and why');
  return value;
};

export function addBackfillCommand(program: Command, deps: BackfillCommandDeps): void {
  const { defaultFromPhase, defaultThroughPhase, defaultMaxActive } = pipeline.backfill;
  const backfill = program
    .command('backfill')
    .enablePositionalOptions() // options after a subcommand are its own (e.g. --json); on the program too
    .description('drive a range of past dates through the phases, a few at a time, with a progress bar')
    .option('--from <date>', 'first game date, YYYY-MM-DD', deps.gameDate)
    .option('--to <date>', 'last game date, YYYY-MM-DD', deps.gameDate)
    .addOption(new Option('--from-phase <n>', 'first phase to trigger').argParser(whole).default(defaultFromPhase))
    .addOption(new Option('--through-phase <n>', 'last phase to trigger').argParser(whole).default(defaultThroughPhase))
    .addOption(new Option('--max-active <k>', 'dates under way at once').argParser(whole).default(defaultMaxActive))
    .option('--dry-run', 'list what would be triggered; publish and start nothing')
    .option('--reason <text>', 'why (recorded with the backfill)', reasonText)
    .option('--watch <id>', 're-attach to a running backfill')
    .option('--detach', 'start it and return at once')
    .option('--json', 'print the plan or the final progress as JSON, no bar')
    .action(async (options: StartOptions) => {
      if (options.watch) {
        process.exitCode = await deps.withTemporal((client) => watch(client, options.watch!, options.json));
        return;
      }
      const range = rangeOf(options, backfill);
      if (options.dryRun) return printPlan(range, options.json);
      if (!options.reason) backfill.error('error: --reason is required: who asked for this and why', { exitCode: 2 });
      const id = backfillWorkflowIdFor(range.from, range.to, new Date());
      process.exitCode = await deps.withTemporal(async (client) => {
        const overlapping = await runningBackfillsOverlapping(client, range);
        if (overlapping.length > 0) {
          const which = overlapping.map((b) => `${b.backfill_id} (${b.from}..${b.to})`).join(', ');
          console.error(
            `error: the range ${range.from}..${range.to} overlaps a running backfill: ${which}. Wait for it, or cancel it: pipeline backfill cancel <id> --reason …`,
          );
          return 2;
        }
        await client.workflow.start<typeof backfillWorkflow>('backfillWorkflow', {
          workflowId: id,
          taskQueue: deps.taskQueue,
          args: [{ ...range, reason: options.reason!, requestedBy: requestedBy() }],
        });
        console.error(`backfill ${id} started; Ctrl-C detaches, pipeline backfill --watch ${id} re-attaches`);
        if (options.detach) {
          console.log(options.json ? JSON.stringify({ backfill_id: id }) : id);
          return 0;
        }
        return watch(client, id, options.json);
      });
    });

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    backfill
      .command(action)
      .description(`${action} a running backfill`)
      .argument('<id>', 'the backfill id (printed when it started)')
      .requiredOption('--reason <text>', 'why (recorded with the backfill)', reasonText)
      .option('--json', 'print the progress as JSON')
      .action(async (id: string, options: { reason: string; json?: boolean }) => {
        const progress = await deps.withTemporal(async (client) => {
          const { cancelBackfillSignal, pauseBackfillUpdate, resumeBackfillUpdate } = await workflowDefinitions();
          const handle = client.workflow.getHandle(id);
          const command = { by: requestedBy(), reason: options.reason };
          if (action === 'pause') return handle.executeUpdate(pauseBackfillUpdate, { args: [command] });
          if (action === 'resume') return handle.executeUpdate(resumeBackfillUpdate, { args: [command] });
          await handle.signal(cancelBackfillSignal, command);
          return (await handle.result()) as BackfillProgress;
        });
        console.log(options.json ? JSON.stringify(progress, null, 2) : progressLine(progress));
      });
  }
}

function rangeOf(options: StartOptions, command: Command): BackfillRange {
  if (!options.from || !options.to) command.error('error: --from and --to are required', { exitCode: 2 });
  const range = {
    from: options.from,
    to: options.to,
    fromPhase: options.fromPhase,
    throughPhase: options.throughPhase,
    maxActive: options.maxActive,
  };
  const problem = backfillRangeProblem(range, calendarDateIn(pipeline.phase5.timeZone, new Date()));
  if (problem) command.error(`error: ${problem}`, { exitCode: 2 });
  return range;
}

/** The plan without reaching any server: each date's results, then the slate of its next game date. */
function printPlan(range: BackfillRange, json?: boolean): void {
  const steps = backfillSteps(range.fromPhase, range.throughPhase);
  const dates = datesOf(range.from, range.to);
  const target = (step: (typeof steps)[number]) =>
    step.phase === 6 ? 'an export run (tonight, dated files)' : step.topic;
  const plan = dates.map((date) => ({
    date,
    triggers: steps.map((s) => ({
      key: s.key,
      topic: target(s),
      game_date: s.half === 'results' ? date : 'next game date',
    })),
  }));
  if (json) {
    console.log(JSON.stringify({ dry_run: true, dates: dates.length, triggers: dates.length * steps.length, plan }));
    return;
  }
  for (const p of plan) {
    const line = p.triggers.map((t) => `${t.key} (${t.game_date === p.date ? p.date : 'its slate'}) → ${t.topic}`);
    console.log(`${p.date}  ${line.join(', ')}`);
  }
  console.log(
    `dry run: up to ${dates.length} game dates (the schedule's, read when it starts), ${dates.length * steps.length} triggers at most; ` +
      "steps a date's run shows fired already are not fired again; nothing published",
  );
}

/**
 * Running backfills whose range shares a date with `range`: two at once would each fire the other's
 * steps.
 */
export async function runningBackfillsOverlapping(client: Client, range: BackfillRange): Promise<BackfillProgress[]> {
  const { backfillProgressQuery } = await workflowDefinitions();
  const found: BackfillProgress[] = [];
  const running = client.workflow.list({ query: `WorkflowType = 'backfillWorkflow' AND ExecutionStatus = 'Running'` });
  for await (const execution of running) {
    const progress = await client.workflow
      .getHandle(execution.workflowId)
      .query(backfillProgressQuery)
      .catch(() => undefined);
    if (progress && progress.from <= range.to && range.from <= progress.to) found.push(progress);
  }
  return found;
}

/** Follows a backfill until it ends (exit 0, or 1 when a date failed or it was cancelled) or Ctrl-C (detach). */
async function watch(client: Client, id: string, json?: boolean): Promise<number> {
  const handle = client.workflow.getHandle<typeof backfillWorkflow>(id);
  const bar = json ? undefined : await progressBar();
  let started = false;
  let detached = false;
  const detach = () => (detached = true);
  process.once('SIGINT', detach);
  try {
    for (;;) {
      const { progress, running } = await readProgress(handle);
      if (bar && !started) bar.start(progress.total, progress.done, tokens(progress));
      started = true;
      bar?.update(progress.done, tokens(progress));
      if (!running || detached) {
        bar?.stop();
        if (json) console.log(JSON.stringify(progress, null, 2));
        if (detached && running) {
          console.error(`detached; the backfill goes on. Re-attach: pipeline backfill --watch ${id}`);
          return 0;
        }
        if (!json) console.log(progressLine(progress));
        return progress.state === 'completed' && progress.failed.length === 0 ? 0 : 1;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    process.off('SIGINT', detach);
  }
}

async function readProgress(handle: WorkflowHandle<typeof backfillWorkflow>) {
  const { status } = await handle.describe();
  if (status.name !== 'RUNNING') return { progress: await handle.result(), running: false };
  const { backfillProgressQuery } = await workflowDefinitions();
  return { progress: await handle.query(backfillProgressQuery), running: true };
}

/** The backfill's query, update and signal definitions: loaded by the commands that use them only. */
const workflowDefinitions = () => import('../backfill/workflow');

/** Loaded only when a bar is drawn: other commands start without it. */
async function progressBar(): Promise<SingleBar> {
  const { SingleBar } = await import('cli-progress');
  return new SingleBar({
    format: 'backfill [{bar}] {value}/{total} dates | {rate} dates/min | ETA {eta_text} | {state}{failed}',
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 5000,
  });
}

/** Rate and ETA since the backfill started (not since this terminal attached). */
function tokens(progress: BackfillProgress) {
  const minutes = Math.max((Date.now() - Date.parse(progress.started_at)) / 60_000, 1 / 60);
  const rate = progress.done / minutes;
  const left = progress.total - progress.done - progress.failed.length;
  const etaMinutes = rate > 0 ? left / rate : undefined;
  return {
    rate: rate.toFixed(1),
    eta_text:
      etaMinutes === undefined ? '—' : etaMinutes < 1 ? `${Math.ceil(etaMinutes * 60)}s` : `${etaMinutes.toFixed(0)}m`,
    state: progress.state,
    failed: progress.failed.length > 0 ? ` | ${progress.failed.length} failed` : '',
  };
}

export function progressLine(p: BackfillProgress): string {
  const failed = p.failed.map((f) => `\n  failed ${f.date}: ${f.reason}`).join('');
  return `${p.backfill_id}: ${p.state}, ${p.done}/${p.total} dates done, ${p.triggers_published} triggers published${failed}`;
}
