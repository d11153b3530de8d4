// One backfill as an object: where it is (carried across continue-as-new) and the steps it takes.
// Per game date D: the results of D (phase 3), then the slate of the next game date N (phases 4-6).
// Each tick starts dates up to --max-active and moves each on by one step once the processors the
// step before started have succeeded; a step the date's run shows fired already is not fired again.
import * as wf from '@temporalio/workflow';
import type { BackfillActivities } from './activities';
import type { BackfillDate, StepQuestion } from './activities';
import { pipeline } from '../pipeline/definition';
import { backfillTriggerId } from '../pipeline/ids';
import { backfillExport } from './export';
import { backfillSteps, backfillTrigger, stepDate, type BackfillStep, type StepLook } from './plan';
import {
  freshState,
  progressOf,
  runsToClose,
  type ActiveDate,
  type BackfillInput,
  type BackfillProgress,
  type BackfillState,
  type OperatorCommand,
} from './state';
import { publishTrigger } from '../triggers/fire';
import { readingUntilItWorks } from '../temporal/activity-options';

export type { ActiveDate, BackfillInput, BackfillProgress, BackfillState, OperatorCommand } from './state';

const { backfillDates, openBackfillDates, lookAtBackfillSteps, recordBackfillStep, finishBackfillDates } =
  wf.proxyActivities<BackfillActivities>(readingUntilItWorks);

export class Backfill {
  readonly state: BackfillState;
  private readonly steps: BackfillStep[];
  private readonly id = wf.workflowInfo().workflowId;
  /** Ticks in a row that moved nothing: the longer the dates wait, the less often they are read. */
  private idleTicks = 0;

  constructor(readonly input: BackfillInput) {
    this.steps = backfillSteps(input.fromPhase, input.throughPhase);
    this.state = input.state ?? freshState();
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
    const finished = state.active.filter(
      (d) => d.step >= this.steps.length || state.failed.some((f) => f.date === d.date),
    );
    state.active = state.active.filter((d) => !finished.includes(d));
    if (finished.some((d) => d.step >= this.steps.length)) await this.closeRunsDone();
    return moved;
  }

  /**
   * After a tick that moved nothing the active dates wait for their processors: read again soon
   * after a step and less often the longer they take. A command wakes the backfill at once.
   */
  async restAfter(moved: boolean): Promise<void> {
    this.idleTicks = moved ? 0 : this.idleTicks + 1;
    const commands = this.state.commands.length;
    const { firstPollAfter, pollEvery } = pipeline.backfill;
    const wait = Math.min(pollEvery, firstPollAfter * 2 ** Math.max(this.idleTicks - 1, 0));
    if (!moved) await wf.condition(() => this.state.commands.length !== commands, wait);
  }

  progress(): BackfillProgress {
    return progressOf(this.id, this.input, this.state, this.steps, this.finished());
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
        this.fail(active.date, `the run of ${closed.join(', ')} has closed: rerun it with pipeline rerun`);
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
      const failed = await backfillExport(this.id, date, triggerId, firedAt);
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
    }
    this.state.triggersPublished += 1; // a message, or phase 6's export run
    await recordBackfillStep(date, { key: step.key, triggerId, firedAt, skipped: false, source: 'backfill' });
    this.stepTaken(active, firedAt);
    return true;
  }

  private stepTaken(active: ActiveDate, firedAt: string): void {
    active.step += 1;
    active.since = firedAt;
    if (active.step === this.steps.length) this.state.done.push(active.date);
  }

  /** Tells the runs of the range that every date touching them is done to close. */
  private async closeRunsDone(): Promise<void> {
    const closing = runsToClose(this.dates, this.steps, this.input.to, this.state.done, this.state.closedRuns ?? []);
    if (closing.length === 0) return;
    await finishBackfillDates(closing);
    this.state.closedRuns = [...(this.state.closedRuns ?? []), ...closing];
  }

  private fail(date: string, reason: string): void {
    wf.log.warn('backfill date given up', { game_date: date, reason });
    this.state.failed.push({ date, reason });
  }
}
