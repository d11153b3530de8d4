// One backfill as an object: where it is (carried across continue-as-new) and the steps it takes.
// `backfillWorkflow` tells the story with these. For each game date D of the range it loads the
// results of D (phase 3 for D), then the slate of the next game date N (phases 4, 5, 6 for N), as
// the live pipeline hands over. Each tick starts dates up to --max-active and moves every active
// date on by one step: open its runs, or take its next step once the processors the step before
// started have succeeded (their run history rows, or a completion the run counted). A step the
// date's run shows fired already (by the live run or another backfill) is never fired again.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BackfillDate, StepQuestion } from '../activities/backfill';
import { pipeline } from '../pipeline/definition';
import { eventDrivenExport } from '../pipeline/exports';
import { backfillTriggerId, exportWorkflowIdFor } from '../pipeline/ids';
import {
  backfillSteps,
  backfillTrigger,
  stepDate,
  type BackfillRange,
  type BackfillStep,
  type StepLook,
} from './backfill-plan';
import { exportWorkflow } from './export';
import { publishTrigger } from './fire';
import { untilItWorks } from './retry';

const { backfillDates, openBackfillDates, lookAtBackfillSteps, recordBackfillStep, finishBackfillDates } =
  wf.proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: untilItWorks,
  });

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

export class Backfill {
  readonly state: BackfillState;
  private readonly steps: BackfillStep[];
  private readonly id = wf.workflowInfo().workflowId;

  constructor(readonly input: BackfillInput) {
    this.steps = backfillSteps(input.fromPhase, input.throughPhase);
    this.state = input.state ?? {
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

  private get dates(): BackfillDate[] {
    return this.state.dates ?? [];
  }

  finished(): boolean {
    const { state } = this;
    return state.cancelled || (!!state.dates && state.next >= state.dates.length && state.active.length === 0);
  }

  command(action: OperatorCommand['action'], by: string, reason: string): BackfillProgress {
    const { state } = this;
    if (action === 'pause') state.paused = true;
    if (action === 'resume') state.paused = false;
    if (action === 'cancel') state.cancelled = true;
    state.commands.push({ action, by, reason, at: new Date().toISOString() });
    return this.progress();
  }

  /** Starts dates up to --max-active and moves each active one on; true when anything moved. */
  async tick(): Promise<boolean> {
    const { state } = this;
    if (!state.dates) {
      state.dates = await backfillDates({ from: this.input.from, to: this.input.to });
      return true;
    }
    while (state.active.length < this.input.maxActive && state.next < this.dates.length) {
      const { date, next } = this.dates[state.next++]!;
      state.active.push({ date, next, opened: false, step: 0, since: new Date().toISOString() });
    }
    const opening = state.active.filter((d) => !d.opened);
    const moving = state.active.filter((d) => d.opened);
    let moved = false;
    if (opening.length > 0) {
      await this.open(opening);
      moved = true;
    }
    if (moving.length > 0) {
      const looks = await lookAtBackfillSteps(moving.map((d) => this.question(d)));
      const results = await Promise.all(moving.map((d, i) => this.advance(d, looks[i]!)));
      moved ||= results.some(Boolean);
    }
    const finished = state.active.filter((d) => d.step >= this.steps.length || this.hasFailed(d.date));
    state.active = state.active.filter((d) => !finished.includes(d));
    if (finished.some((d) => d.step >= this.steps.length)) await this.closeRunsDone();
    return moved;
  }

  progress(): BackfillProgress {
    const { input, state } = this;
    return {
      backfill_id: this.id,
      from: input.from,
      to: input.to,
      from_phase: input.fromPhase,
      through_phase: input.throughPhase,
      max_active: input.maxActive,
      reason: input.reason,
      state: state.cancelled ? 'cancelled' : this.finished() ? 'completed' : state.paused ? 'paused' : 'running',
      total: this.dates.length,
      done: state.done.length,
      failed: state.failed,
      active: state.active.map((d) => ({ date: d.date, next_trigger: d.opened ? this.steps[d.step]!.key : 'open' })),
      triggers_published: state.triggersPublished,
      steps_fired_before: state.stepsFiredBefore ?? 0,
      runs_closed: state.closedRuns?.length ?? 0,
      started_at: state.startedAt,
      commands: state.commands,
    };
  }

  /** The runs a date's steps touch: D for its results, N for its slate. */
  private runsOf(date: { date: string; next: string }): string[] {
    return [...new Set(this.steps.map((s) => stepDate(s, date)))];
  }

  /** Opens the runs of the dates in backfill mode; a date whose run had closed is given up, nothing published. */
  private async open(dates: ActiveDate[]): Promise<void> {
    const opened = await openBackfillDates([...new Set(dates.flatMap((d) => this.runsOf(d)))]);
    for (const active of dates) {
      const closed = this.runsOf(active).filter((run) => opened[run] === 'closed');
      if (closed.length > 0) {
        this.fail(
          active.date,
          `the run of ${closed.join(', ')} has closed: a closed date is rerun with pipeline rerun`,
        );
      } else active.opened = true;
    }
  }

  private question(active: ActiveDate): StepQuestion {
    const step = this.steps[active.step]!;
    const before = active.step > 0 ? this.steps[active.step - 1] : undefined;
    return {
      date: stepDate(step, active),
      key: step.key,
      ...(before
        ? {
            needs: {
              date: stepDate(before, active),
              phase: before.starts.phase,
              processors: before.starts.processors,
              since: active.since,
            },
          }
        : {}),
    };
  }

  /** One step for one date: taken when someone fired it already, fired when what it waits for is there. */
  private async advance(active: ActiveDate, look: StepLook): Promise<boolean> {
    const step = this.steps[active.step]!;
    const date = stepDate(step, active);
    if (look.fired) {
      this.state.stepsFiredBefore = (this.state.stepsFiredBefore ?? 0) + 1;
      this.stepTaken(active, look.fired.firedAt);
      return true;
    }
    if (look.ended) {
      this.fail(active.date, `the run of ${date} ended (${look.ended}) before ${step.key}`);
      return true;
    }
    if (!look.ready) {
      if (Date.now() - Date.parse(active.since) <= pipeline.backfill.dateGivesUpAfter) return false;
      const before = this.steps[active.step - 1]!;
      this.fail(active.date, `gave up waiting for ${before.starts.processors.join(', ')} before ${step.key}`);
      return true;
    }
    const firedAt = new Date().toISOString();
    const triggerId = backfillTriggerId(this.id, date, step.key);
    if (step.phase === 6) {
      const failed = await this.export(date, triggerId, firedAt);
      if (failed) {
        this.fail(active.date, failed);
        return true;
      }
    } else {
      const upstream = active.step > 0 ? this.steps[active.step - 1]!.starts.processors.length : 0;
      await publishTrigger({
        topic: step.topic,
        message: backfillTrigger(this.id, date, step, this.input.reason, firedAt, upstream, active.date),
      });
      this.state.triggersPublished += 1;
    }
    await recordBackfillStep(date, { key: step.key, triggerId, firedAt, skipped: false, source: 'backfill' });
    this.stepTaken(active, firedAt);
    return true;
  }

  /** A backfill's tonight export of the slate's date, run by the backfill itself; why it failed, if it did. */
  private async export(date: string, triggerId: string, firedAt: string): Promise<string | undefined> {
    try {
      const result = await wf.executeChild(exportWorkflow, {
        workflowId: `${exportWorkflowIdFor(date, eventDrivenExport.set)}/${this.id}`,
        staticSummary: `Exports (tonight) of ${date}, backfilled by ${this.id}`,
        args: [
          {
            export_types: [...eventDrivenExport.exportTypes],
            target_date: date,
            update_latest: false, // an old day's exports write their dated files only
            trigger_source: 'backfill',
            triggered_by: eventDrivenExport.triggeredBy,
            correlation_id: `${this.id}/${date}`,
            trigger_id: triggerId,
            timestamp: firedAt,
            upstream_batch_id: null,
            upstream_predictions: null,
          },
        ],
      });
      this.state.triggersPublished += 1;
      if (result.failed.length > 0) return `exports failed: ${result.failed.map((f) => f.export_type).join(', ')}`;
      return undefined;
    } catch (error) {
      return `exports failed: ${String(error)}`;
    }
  }

  private stepTaken(active: ActiveDate, firedAt: string): void {
    active.step += 1;
    active.since = firedAt;
    if (active.step === this.steps.length) this.state.done.push(active.date);
  }

  /**
   * Tells the runs of the range that every date of the backfill touching them is done to close. The
   * slate after the last date is left open: its results belong to the next range (the next season's
   * backfill closes it).
   */
  private async closeRunsDone(): Promise<void> {
    const done = new Set(this.state.done);
    const closed = new Set(this.state.closedRuns ?? []);
    const touching = new Map<string, string[]>();
    for (const d of this.dates) {
      for (const run of this.runsOf(d)) {
        if (run <= this.input.to) touching.set(run, [...(touching.get(run) ?? []), d.date]);
      }
    }
    const closing = [...touching]
      .filter(([run, dates]) => !closed.has(run) && dates.every((d) => done.has(d)))
      .map(([run]) => run);
    if (closing.length === 0) return;
    await finishBackfillDates(closing);
    this.state.closedRuns = [...closed, ...closing];
  }

  private fail(date: string, reason: string): void {
    wf.log.warn('backfill date given up', { game_date: date, reason });
    this.state.failed.push({ date, reason });
  }

  private hasFailed(date: string): boolean {
    return this.state.failed.some((f) => f.date === date);
  }
}
