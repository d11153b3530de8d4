// `pipeline reconcile` (seed 003's reconcile script): for each of the last N game dates, what the
// processors' run history says ran against what the date's run received. `fix` hands each missing
// completion to the run as the bridge would have, so the normal rules fire what is due, once —
// except a completion the bridge refused (invalid, future, oversized), and never to a date that
// closed (its run would only dead-letter it as late).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ClosedRun } from '../run-history/run-history';
import type { ProcessorRun } from './queries';
import { signalCompletion } from '../date-run/client';
import { phaseOfRun } from './rules';
import type { Completion, CompletionStatus } from '../messages/completion';
import { addDays } from '../time';
import { phaseDefinition, pipeline, type PhaseKey } from '../pipeline/definition';
import { workflowIdFor } from '../pipeline/ids';
import { statusQuery } from '../date-run/status';
import { calendarDateIn } from '../time';
import type { GameDayStatus } from '../date-run/status';
import type { RefusedCompletion } from './rejected';

export interface LostCompletion {
  processor: string;
  phase: PhaseKey;
  execution_id: string;
  completed_at: string | null;
  /**
   * With --fix: `handed-over` to the run; `late` when the date's run had closed (nothing handed
   * over); `refused` when the bridge had refused the message itself (invalid, future, oversized).
   */
  fix?: 'handed-over' | 'late' | 'refused';
  /** Why the bridge refused it, for `refused`. */
  refused_because?: string;
}

export interface ReconciledDate {
  game_date: string;
  /** `open`: a run is collecting; `closed`: it finished (a fix cannot reopen it); `none`: no run yet. */
  run: 'open' | 'closed' | 'none';
  /** Processors the run history shows as run whose completion the run never received. */
  missing: LostCompletion[];
  /** Processors the run counted that the run history does not show. */
  unexplained: string[];
}

export interface ReconcileOptions {
  client: Client;
  /** The processors' run history: per processor and date from `from` through `to`, its first run that counts. */
  runsBetween: (from: string, to: string) => Promise<ProcessorRun[]>;
  /** The run history's close of a date, once Temporal has forgotten its run. */
  closedRunOf: (gameDate: string) => Promise<ClosedRun | null>;
  taskQueue: string;
  days: number;
  fix: boolean;
  now?: Date;
  /** Completions the bridge refused (from the dead letters): never handed over. */
  refused?: RefusedCompletion[];
}

export async function reconcile(options: ReconcileOptions): Promise<ReconciledDate[]> {
  // The operators' calendar: at 07:30 in New York, yesterday is last night's game date.
  const today = calendarDateIn(pipeline.watch.alertTimeZone, options.now ?? new Date());
  const runs = await options.runsBetween(addDays(today, -options.days), today);
  const byDate = new Map<string, ProcessorRun[]>();
  for (const run of runs) byDate.set(run.dataDate, [...(byDate.get(run.dataDate) ?? []), run]);
  const report: ReconciledDate[] = [];
  for (const [gameDate, history] of [...byDate].sort(([a], [b]) => a.localeCompare(b))) {
    const { run, status } = await readRun(options.client, gameDate);
    const arrived = new Set(
      status ? Object.values(status.phases).flatMap((p) => [...p.completed_processors, ...p.failed_processors]) : [],
    );
    const ran = history.flatMap((row) => countedRun(row) ?? []);
    const missing = ran.filter((r) => !arrived.has(r.processor));
    const explained = new Set(ran.map((r) => r.processor));
    const unexplained = status
      ? Object.entries(status.phases)
          .filter(([phase]) => phase !== 'phase6')
          .flatMap(([, p]) => p.completed_processors.filter((name) => !explained.has(name)))
      : [];
    const date: ReconciledDate = {
      game_date: gameDate,
      run,
      missing: missing.map((m) => ({
        processor: m.processor,
        phase: m.phase,
        execution_id: m.row.executionId,
        completed_at: m.row.completedAt,
      })),
      unexplained,
    };
    if (options.fix) {
      // A date Temporal no longer remembers may have closed: the run history says so before a
      // hand-over would start a run that only dead-letters it.
      const closed = run === 'closed' || (run === 'none' && (await options.closedRunOf(gameDate)) !== null);
      for (const [index, lost] of missing.entries()) {
        const fixed = date.missing[index]!;
        const refused = refusalOf(lost, options.refused ?? []);
        if (refused) {
          fixed.fix = 'refused';
          fixed.refused_because = refused.reason;
          continue;
        }
        if (closed) {
          fixed.fix = 'late';
          continue;
        }
        const delivered = await signalCompletion(
          options.client,
          options.taskQueue,
          completionOf(lost, today, status?.backfill === true),
        );
        fixed.fix = delivered.outcome === 'signalled' ? 'handed-over' : 'late';
      }
    }
    report.push(date);
  }
  return report;
}

/** True while lost completions remain: found and not handed over (a refused message is not lost). */
export function lostRemain(report: ReconciledDate[]): boolean {
  return report.some((d) => d.missing.some((m) => m.fix !== 'handed-over' && m.fix !== 'refused'));
}

/** The bridge's refusal of this run's message, if it refused it: by execution id, else by processor and date. */
export function refusalOf(
  lost: { processor: string; row: Pick<ProcessorRun, 'executionId' | 'processor' | 'dataDate'> },
  refused: RefusedCompletion[],
): RefusedCompletion | undefined {
  return refused.find((r) =>
    r.executionId
      ? r.executionId === lost.row.executionId
      : r.gameDate === lost.row.dataDate && (r.processor === lost.row.processor || r.processor === lost.processor),
  );
}

export interface CountedRun {
  processor: string;
  phase: PhaseKey;
  row: ProcessorRun;
}

/** A run-history row as the definition names it, when it counts for its phase (no_data only if optional). */
function countedRun(row: ProcessorRun): CountedRun | undefined {
  const phase = phaseOfRun(row);
  if (!phase) return undefined;
  const processor = phaseDefinition(phase).processors.find(
    (p) => p.name === row.processor || p.aliases?.includes(row.processor),
  );
  if (!processor) return undefined;
  if (row.status === 'no_data' && !processor.optional) return undefined;
  return { processor: processor.name, phase, row };
}

/**
 * The completion the processor's message would have been. On a date old enough for the flag to
 * count, the processor's own backfill mode travels with it (a backfill's run must not fire the cascade).
 */
export function completionOf({ processor, phase, row }: CountedRun, today: string, runInBackfill = false): Completion {
  const flagCounts = row.dataDate <= addDays(today, -pipeline.backfillOlderThanDays);
  return {
    phase,
    processor,
    gameDate: row.dataDate,
    status: row.status as CompletionStatus,
    // The processor's own execution id: should its message still arrive, it is a duplicate.
    executionId: row.executionId,
    ...(row.correlationId ? { correlationId: row.correlationId } : {}),
    skipDownstreamTrigger: flagCounts && (row.backfillMode === true || runInBackfill),
    ...(row.completedAt ? { timestamp: row.completedAt } : {}),
    ...(row.recordCount !== null ? { recordCount: row.recordCount } : {}),
    metadata: { trigger_source: 'reconcile' },
  };
}

async function readRun(
  client: Client,
  gameDate: string,
): Promise<{ run: ReconciledDate['run']; status?: GameDayStatus }> {
  const handle = client.workflow.getHandle(workflowIdFor(gameDate));
  try {
    const description = await handle.describe();
    const status = await handle.query(statusQuery);
    return { run: description.status.name === 'RUNNING' ? 'open' : 'closed', status };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { run: 'none' };
    throw error;
  }
}

export function renderReconcile(report: ReconciledDate[]): string {
  if (report.length === 0) return 'no game dates in the run history for that window';
  return report
    .map((d) => {
      const head = `${d.game_date}  run ${d.run}  ${d.missing.length} lost, ${d.unexplained.length} unexplained`;
      const lines = [
        ...d.missing.map(
          (m) =>
            `  lost         ${m.phase} ${m.processor} (${m.execution_id})${m.fix ? `  → ${m.fix}` : ''}${m.refused_because ? ` (${m.refused_because})` : ''}`,
        ),
        ...d.unexplained.map((name) => `  unexplained  ${name} (no run in processor_run_history)`),
      ];
      return [head, ...lines].join('\n');
    })
    .join('\n');
}
