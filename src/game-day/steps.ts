// The machinery of a game date's run, a part the run holds: the steps every part of the run takes
// the same way — a trigger published once per key, a child started once, a child signalled, the
// events written, continue-as-new only between steps — over the run's `Steps`, its state and its
// run history events.
//
// A step is a side effect and its record (a trigger published and noted, a child started and
// noted). The run continues as new only between steps, never inside one, so a new run neither
// repeats nor loses what the old one did.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import { observeLatencies } from '../triggers/pipeline-metrics';
import type { Trigger, Unstamped } from '../messages/trigger';
import { pipeline } from '../pipeline/definition';
import { fireOnce } from '../triggers/fire';
import { runEventDrivenExport, scopeOf } from './children';
import type { RunEventLog } from './events';
import { guardCarriedState } from './guards';
import { type GameDayInput, type GameDayOutcome, type GameDayState } from './state';
import { historyTooLong } from '../temporal/history';
import type { StepFired } from '../date-run/signals';
import type { Steps } from '../temporal/steps';
import type { PhaseShown } from './shown';

export class GameDaySteps {
  /** Triggers being published now, by key. */
  private readonly firing = new Map<string, Promise<StepFired>>();
  /** The carried state's size alerted on (once per run). */
  private sizeAlerted = false;
  /** Children being started now, by key. */
  private readonly starting = new Map<string, Promise<void>>();

  constructor(
    readonly state: GameDayState,
    readonly events: RunEventLog,
    readonly shown: PhaseShown,
    /** Every step and every wait of the run goes through these. */
    private readonly steps: Steps,
    private readonly historyLimit: number,
  ) {}

  get gameDate(): string {
    return this.state.gameDate;
  }

  /** A step of the run: a side effect and its record. */
  step<T>(act: () => Promise<T>): Promise<T> {
    return this.steps.step(act);
  }

  /** Waits until `ready`; false when the run's time ran out first. */
  waitFor(ready: () => boolean, timeoutMs?: number): Promise<boolean> {
    return this.steps.waitFor(ready, timeoutMs);
  }

  /** Waits, with no deadline, until `ready`. */
  waitUntil(ready: () => boolean): Promise<void> {
    return this.steps.waitUntil(ready);
  }

  /** No step under way. */
  idle(): boolean {
    return this.steps.idle();
  }

  /** Publishes a trigger once per key; the step it was (new or from before). */
  async fire(key: string, topic: string, message: Unstamped<Trigger>): Promise<StepFired> {
    // The rules and an operator may fire the same key at once: the second waits for the first.
    const inFlight = this.firing.get(key);
    if (inFlight) return inFlight;
    const { triggers, backfill } = this.state;
    const before = triggers[key];
    const firing = this.step(async () => {
      const fired = await fireOnce(triggers, key, backfill, topic, message, scopeOf(this.state));
      if (!before) {
        this.events.trigger(fired, message.phase);
        observeLatencies(this.state, fired);
      }
      // The trigger is out: its record follows, written by the run's writer.
      this.events.requestWrite();
      return fired;
    });
    this.firing.set(key, firing);
    try {
      return await firing;
    } finally {
      this.firing.delete(key);
      this.shown.refresh();
    }
  }

  /** The event-driven export of the date, as a child run whose result the status shows. */
  async runExports(): Promise<void> {
    const { state } = this;
    const trigger = state.triggers.phase6;
    if (state.backfill || !trigger || state.exports) return;
    await this.step(async () => {
      state.exports = await runEventDrivenExport(state, trigger);
      this.events.requestWrite();
    });
    this.shown.refresh();
  }

  /** Stays open while deliveries keep arriving (late duplicates), then lets the date close; never past its deadline. */
  async closeWhenQuiet(): Promise<void> {
    const quiet = pipeline.lifetime.quietPeriodAfterLastTrigger;
    for (;;) {
      const seen = this.state.deliveriesSeen;
      const left = this.steps.deadline - Date.now();
      if (left <= 0 || !(await this.waitFor(() => this.state.deliveriesSeen !== seen, Math.min(quiet, left)))) return;
    }
  }

  /** Continues as new once the history is long, at the first moment no step is under way. */
  async continueAsNewWhenSafe(): Promise<never> {
    await wf.condition(() => historyTooLong(this.historyLimit) && this.steps.betweenSteps());
    // The alert is a step of its own: others may have started meanwhile, so wait for quiet again.
    while (!this.sizeAlerted && (await guardCarriedState(this.state, this.events, (act) => this.step(act)))) {
      this.sizeAlerted = true;
      await wf.condition(() => this.steps.betweenSteps());
    }
    // A rerun's memo says which rerun it is (`pipeline rerun` reads it): the next run keeps it.
    const continueAsNew = wf.makeContinueAsNewFunc<(input: GameDayInput) => Promise<GameDayOutcome>>(
      this.state.rerun ? { memo: wf.workflowInfo().memo } : {},
    );
    return continueAsNew({ gameDate: this.gameDate, state: this.state, continueAsNewAfterEvents: this.historyLimit });
  }

  /**
   * Starts a child once. Abandoned, not terminated, on continue-as-new; cancelled when the date
   * closes. The rules and an operator may start the same child at once: the second waits for the
   * first, and a child that already exists counts as started.
   */
  async startChildOnce(
    key: string,
    workflowId: string,
    start: (workflowId: string) => Promise<unknown>,
  ): Promise<void> {
    if (this.state.children[key]) return;
    const inFlight = this.starting.get(key);
    if (inFlight) return inFlight;
    const starting = this.step(async () => {
      try {
        await start(workflowId);
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        wf.log.info('child already started', { child: workflowId });
      }
      this.state.children[key] = workflowId;
    });
    this.starting.set(key, starting);
    try {
      await starting;
    } finally {
      this.starting.delete(key);
    }
  }

  /** Signals a running child; a child that already finished needs nothing more. */
  async signalChild<Args extends unknown[]>(
    key: string,
    signal: wf.SignalDefinition<Args>,
    ...args: Args
  ): Promise<void> {
    const id = this.state.children[key];
    if (!id) return;
    await this.step(async () => {
      try {
        await wf.getExternalWorkflowHandle(id).signal(signal, ...args);
      } catch (error) {
        wf.log.debug('child no longer running', { child: id, error: String(error) });
      }
    });
  }

  /** Writes the events noted so far, as a step of its own (at most the write's deadline). */
  async writeEvents(): Promise<void> {
    await this.step(() => this.events.write());
  }

  /**
   * Writes the events noted whenever enough have gathered or a step asked, each write a step of its
   * own. One writer for the whole run: a storm of deliveries must not have each handler queue a write.
   */
  writeEventsWhenDue(): Promise<never> {
    return this.events.writeWhenDue((write) => this.step(write));
  }
}
