// One backfill as an object: where it is (carried across continue-as-new) and the steps it takes.
// `backfillWorkflow` tells the story with these. Each tick starts dates up to --max-active and
// moves every active date on by one step: open its run, or fire its next trigger once the
// completions that trigger waits for have arrived.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { pipeline } from '../pipeline/definition';
import {
  backfillSteps,
  backfillTrigger,
  datesOf,
  runEnded,
  stepReady,
  type BackfillRange,
  type BackfillStep,
} from './backfill-plan';
import { publishTrigger } from './fire';
import { untilItWorks } from './retry';

const { openBackfillDate, backfillDateProgress } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: untilItWorks,
});

export interface BackfillInput extends BackfillRange {
  reason: string;
  requestedBy: string;
  /** Carried across continue-as-new; absent on the first run. */
  state?: BackfillState;
  continueAsNewAfterEvents?: number;
}

/** A date under way: the index of its next step, and since when it waits for it. */
export interface ActiveDate {
  date: string;
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
  /** Index of the next date to start. */
  next: number;
  active: ActiveDate[];
  done: string[];
  failed: { date: string; reason: string }[];
  triggersPublished: number;
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
  started_at: string;
  commands: OperatorCommand[];
}

export class Backfill {
  readonly state: BackfillState;
  private readonly dates: string[];
  private readonly steps: BackfillStep[];
  private readonly id = wf.workflowInfo().workflowId;

  constructor(readonly input: BackfillInput) {
    this.dates = datesOf(input.from, input.to);
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

  finished(): boolean {
    return this.state.cancelled || (this.state.next >= this.dates.length && this.state.active.length === 0);
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
    while (state.active.length < this.input.maxActive && state.next < this.dates.length) {
      const date = this.dates[state.next++]!;
      state.active.push({ date, opened: false, step: 0, since: new Date().toISOString() });
    }
    const moved = await Promise.all(state.active.map((date) => this.advance(date)));
    state.active = state.active.filter((d) => d.step < this.steps.length && !this.hasFailed(d.date));
    return moved.some(Boolean);
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
      started_at: state.startedAt,
      commands: state.commands,
    };
  }

  /** One step for one date: open its run, or fire its next trigger when what it waits for is there. */
  private async advance(active: ActiveDate): Promise<boolean> {
    if (!active.opened) {
      const opened = await openBackfillDate(active.date);
      if (opened.outcome === 'closed') {
        this.fail(active.date, `its run has closed (${opened.workflowId}): a closed date is rerun with pipeline rerun`);
        return true;
      }
      active.opened = true;
      return true;
    }
    const step = this.steps[active.step]!;
    if (active.step > 0) {
      const progress = await backfillDateProgress(active.date);
      if (!stepReady(step, progress)) {
        if (runEnded(progress)) this.fail(active.date, `its run ended (${progress?.waitingOn}) before ${step.key}`);
        else if (Date.now() - Date.parse(active.since) > pipeline.backfill.dateGivesUpAfter) {
          this.fail(active.date, `gave up waiting for ${step.needsPhase} completions before ${step.key}`);
        } else return false;
        return true;
      }
    }
    const firedAt = new Date().toISOString();
    await publishTrigger({
      topic: step.topic,
      message: backfillTrigger(this.id, active.date, step, this.input.reason, firedAt),
    });
    this.state.triggersPublished += 1;
    active.step += 1;
    active.since = firedAt;
    if (active.step === this.steps.length) this.state.done.push(active.date);
    return true;
  }

  private fail(date: string, reason: string): void {
    wf.log.warn('backfill date given up', { game_date: date, reason });
    this.state.failed.push({ date, reason });
  }

  private hasFailed(date: string): boolean {
    return this.state.failed.some((f) => f.date === date);
  }
}
