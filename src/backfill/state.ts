// What a backfill carries across continue-as-new, and the progress it shows.
import type { BackfillDate } from './activities';
import { stepDate, type BackfillRange, type BackfillStep } from './plan';

export interface BackfillInput extends BackfillRange {
  reason: string;
  requestedBy: string;
  /** Carried across continue-as-new; absent on the first run. */
  state?: BackfillState;
  continueAsNewAfterEvents?: number;
}

/** A date under way: the index of its next step, and when the step before it fired. */
export interface ActiveDate {
  date: string;
  /** The next game date: the slate the results of `date` hand over to. */
  next: string;
  opened: boolean;
  step: number;
  since: string;
}

export interface OperatorCommand {
  action: 'pause' | 'resume' | 'cancel';
  by: string;
  reason: string;
  at: string;
}

export interface BackfillState {
  startedAt: string;
  /** The range's game dates with their next game date, read from the schedule at the start. */
  dates?: BackfillDate[];
  /** Index of the next date to start. */
  next: number;
  active: ActiveDate[];
  done: string[];
  failed: { date: string; reason: string }[];
  triggersPublished: number;
  /** Steps the date's run showed fired already (the live run, another backfill): taken, not fired again. */
  stepsFiredBefore?: number;
  /** Runs told to close: every date of the backfill that touched them is done. */
  closedRuns?: string[];
  paused: boolean;
  cancelled: boolean;
  commands: OperatorCommand[];
}

export interface BackfillProgress {
  backfill_id: string;
  from: string;
  to: string;
  from_phase: number;
  through_phase: number;
  max_active: number;
  reason: string;
  state: 'running' | 'paused' | 'cancelled' | 'completed';
  total: number;
  done: number;
  failed: { date: string; reason: string }[];
  active: { date: string; next_trigger: string }[];
  triggers_published: number;
  /** Steps found fired already by the date's live run or another backfill, and not fired again. */
  steps_fired_before: number;
  /** Date runs closed because the backfill was done with them. */
  runs_closed: number;
  started_at: string;
  commands: OperatorCommand[];
}

/** Where a backfill is when it starts. */
export function freshState(): BackfillState {
  return {
    startedAt: new Date().toISOString(),
    next: 0,
    active: [],
    done: [],
    failed: [],
    triggersPublished: 0,
    paused: false,
    cancelled: false,
    commands: [],
  };
}

/** What `pipeline backfill` shows of a backfill. */
export function progressOf(
  id: string,
  input: BackfillInput,
  state: BackfillState,
  steps: BackfillStep[],
  finished: boolean,
): BackfillProgress {
  return {
    backfill_id: id,
    from: input.from,
    to: input.to,
    from_phase: input.fromPhase,
    through_phase: input.throughPhase,
    max_active: input.maxActive,
    reason: input.reason,
    state: state.cancelled ? 'cancelled' : finished ? 'completed' : state.paused ? 'paused' : 'running',
    total: state.dates?.length ?? 0,
    done: state.done.length,
    failed: state.failed,
    active: state.active.map((d) => ({ date: d.date, next_trigger: d.opened ? steps[d.step]!.key : 'open' })),
    triggers_published: state.triggersPublished,
    steps_fired_before: state.stepsFiredBefore ?? 0,
    runs_closed: state.closedRuns?.length ?? 0,
    started_at: state.startedAt,
    commands: state.commands,
  };
}

/**
 * Runs of the range whose every backfill date touching them is done, not yet closed. The slate after
 * the last date is left open: its results belong to the next range (the next season's backfill
 * closes it).
 */
export function runsToClose(
  dates: { date: string; next: string }[],
  steps: BackfillStep[],
  to: string,
  done: string[],
  closed: string[],
): string[] {
  const finished = new Set(done);
  const already = new Set(closed);
  const touching = new Map<string, string[]>();
  for (const d of dates) {
    for (const run of new Set(steps.map((s) => stepDate(s, d)))) {
      if (run <= to) touching.set(run, [...(touching.get(run) ?? []), d.date]);
    }
  }
  return [...touching].filter(([run, by]) => !already.has(run) && by.every((d) => finished.has(d))).map(([run]) => run);
}
