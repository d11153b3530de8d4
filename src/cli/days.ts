// `pipeline days --from A --to B [--json]`: one line per date — the phase reached, what is missing,
// late or stuck, backfill — from the open runs (Temporal's visibility list, then each run's query)
// and, for dates whose run has closed, the run history in BigQuery.
import type { BigQuery } from '@google-cloud/bigquery';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import Table from 'cli-table3';
import type { Command } from 'commander';
import type { ClosedRun } from '../run-history/run-history';
import { addDays } from '../time';
import { pipeline, type PhaseKey } from '../pipeline/definition';
import { zonedInstant } from '../time';
import { datesOf } from '../backfill/plan';
import { statusQuery } from '../date-run/status';
import { BackfillMode, GameDate, PipelinePhase } from '../temporal/search-attributes';
import type { GameDayStatus } from '../date-run/status';

export interface DaysCommandDeps {
  withTemporal: <T>(run: (client: Client) => Promise<T>) => Promise<T>;
  bigquery: () => Promise<BigQuery>;
  gameDate: (value: string) => string;
}

export interface DayLine {
  game_date: string;
  /** The phase the date waits on, `complete`, a close outcome, or `not started`. */
  phase: string;
  missing: number;
  late: boolean;
  stuck: boolean;
  backfill: boolean;
  /** Where the line came from: the run's query, its search attributes (no worker answered), the run history. */
  source: 'query' | 'search attributes' | 'run history' | 'temporal' | 'none';
}

/** An open run, as visibility lists it, and its status when its query answered. */
export interface OpenRun {
  gameDate: string;
  startedAt: number;
  phase: string;
  backfill: boolean;
  status?: GameDayStatus;
}

/** A busy worker answers within this; without one the search attributes still tell the phase. */
const QUERY_DEADLINE_MS = 20_000;
const ended = new Set(['complete', 'closed', 'completed', 'expired', 'late', 'no_games']);

/** When a phase of a date is due (pipeline.phaseDeadlines: the results the morning after, the slate on the day). */
function dueAt(phase: PhaseKey, gameDate: string): number {
  const due = pipeline.phaseDeadlines[phase];
  return zonedInstant(addDays(gameDate, due.daysAfter), due.at, due.timeZone);
}

/**
 * The line of an open run: late once its slate's SLA time passed without exports, or its results'
 * deadline passed; stuck when nothing moved for long — a slate done waits for its results the night
 * after without being stuck until they are due.
 */
export function openDayLine(run: OpenRun, now: number): DayLine {
  const status = run.status;
  const phase = status?.waiting_on ?? run.phase;
  const waiting = status && phase in status.phases ? status.phases[phase as PhaseKey] : undefined;
  const triggeredAt = Object.values(status?.triggers ?? {}).map((t) => Date.parse(t.firedAt));
  const lastMoved = Math.max(run.startedAt, ...triggeredAt);
  const slaAt = zonedInstant(run.gameDate, pipeline.phase5.slaCheckAt, pipeline.phase5.timeZone);
  const results = pipeline.day.resultsPhases.includes(phase as PhaseKey);
  const lateAfter = results ? dueAt(phase as PhaseKey, run.gameDate) : slaAt;
  const backfill = status?.backfill ?? run.backfill;
  return {
    game_date: run.gameDate,
    phase,
    missing: waiting?.missing_processors.length ?? 0,
    late: !backfill && !ended.has(phase) && now > lateAfter,
    stuck: !ended.has(phase) && now - lastMoved > pipeline.operations.stuckAfter && !(results && now < lateAfter),
    backfill,
    source: status ? 'query' : 'search attributes',
  };
}

export function closedDayLine(gameDate: string, closed: ClosedRun | undefined, temporalStatus?: string): DayLine {
  const base = { game_date: gameDate, missing: 0, late: false, stuck: false, backfill: false };
  if (closed) return { ...base, phase: closed.outcome, source: 'run history' };
  if (temporalStatus) return { ...base, phase: temporalStatus.toLowerCase(), source: 'temporal' };
  return { ...base, phase: 'not started', source: 'none' };
}

export function addDaysCommand(program: Command, deps: DaysCommandDeps): void {
  program
    .command('days')
    .description('one line per date: phase reached, missing count, late or stuck, backfill')
    .requiredOption('--from <date>', 'first game date, YYYY-MM-DD', deps.gameDate)
    .requiredOption('--to <date>', 'last game date, YYYY-MM-DD', deps.gameDate)
    .option('--json', 'print the lines as JSON')
    .action(async (options: { from: string; to: string; json?: boolean }, command: Command) => {
      if (options.from > options.to)
        command.error(`error: --from ${options.from} is after --to ${options.to}`, { exitCode: 2 });
      const dates = datesOf(options.from, options.to);
      if (dates.length > pipeline.backfill.maxDates) {
        command.error(`error: at most ${pipeline.backfill.maxDates} dates at once`, { exitCode: 2 });
      }
      const lines = await deps.withTemporal((client) => readDays(client, deps.bigquery, dates));
      console.log(options.json ? JSON.stringify(lines, null, 2) : renderDays(lines));
    });
}

async function readDays(client: Client, bigquery: () => Promise<BigQuery>, dates: string[]): Promise<DayLine[]> {
  const from = dates[0]!;
  const to = dates[dates.length - 1]!;
  const open = new Map<string, Promise<OpenRun>>();
  const closedInTemporal = new Map<string, string>();
  const query = `WorkflowType = 'gameDayWorkflow' AND GameDate >= '${from}' AND GameDate <= '${to}'`;
  for await (const execution of client.workflow.list({ query })) {
    const gameDate = execution.typedSearchAttributes.get(GameDate);
    if (!gameDate || !dates.includes(gameDate)) continue;
    if (execution.status.name === 'RUNNING')
      open.set(gameDate, openRun(client, execution, gameDate)); // queried at once, together
    else if (!closedInTemporal.has(gameDate)) closedInTemporal.set(gameDate, execution.status.name);
  }
  const needHistory = dates.some((d) => !open.has(d));
  // Loaded only when needed: other commands start without the BigQuery client.
  const closed = needHistory
    ? await import('../run-history/closed-runs').then(async ({ closedRunsBetween }) =>
        closedRunsBetween(await bigquery(), from, to),
      )
    : [];
  const runs = new Map(await Promise.all([...open].map(async ([date, run]) => [date, await run] as const)));
  const now = Date.now();
  return dates.map((date) => {
    const run = runs.get(date);
    if (run) return openDayLine(run, now);
    return closedDayLine(
      date,
      closed.find((c) => c.gameDate === date),
      closedInTemporal.get(date),
    );
  });
}

async function openRun(client: Client, execution: WorkflowExecutionInfo, gameDate: string): Promise<OpenRun> {
  const run: OpenRun = {
    gameDate,
    startedAt: execution.startTime.getTime(),
    phase: execution.typedSearchAttributes.get(PipelinePhase) ?? 'phase2',
    backfill: execution.typedSearchAttributes.get(BackfillMode) ?? false,
  };
  try {
    const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
    run.status = await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(statusQuery));
  } catch {
    /* no worker answered: the search attributes say where it is */
  }
  return run;
}

export function renderDays(lines: DayLine[]): string {
  const table = new Table({
    head: ['date', 'phase', 'missing', 'flags', 'backfill', 'from'],
    style: { head: [], border: [] },
  });
  for (const l of lines) {
    const flags = [l.late && 'late', l.stuck && 'stuck'].filter(Boolean).join(' ');
    table.push([l.game_date, l.phase, l.missing || '', flags, l.backfill ? 'yes' : '', l.source]);
  }
  return table.toString();
}
