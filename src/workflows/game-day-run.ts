// One game date's run as an object: what it has received and done (its state, carried across
// continue-as-new) and the steps it takes. `gameDayWorkflow` tells the story with these steps.
//
// A step is a side effect and its record (a trigger published and noted, a child started and
// noted). The run continues as new only between steps, never inside one, so a new run neither
// repeats nor loses what the old one did.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ClosedRun } from '../bigquery/run-history';
import type { Completion } from '../messages/completion';
import type { Trigger } from '../messages/trigger';
import { pipeline, type PhaseKey } from '../pipeline/definition';
import { phase4CascadeWorkflowId, phase5WorkflowId, workflowIdFor } from '../pipeline/ids';
import { zonedInstant } from '../pipeline/time';
import { failureMessage } from './failure';
import { fireOnce, type Unstamped } from './fire';
import { phase6Verdict } from './gate';
import { historyTooLong } from './history';
import { cancelChildren, runEventDrivenExport, startPhase4Child, startPhase5Child } from './game-day-children';
import { isLive, patches, restore, type GameDayInput, type GameDayOutcome, type GameDayState } from './game-day-state';
import { phaseProgress, recordDelivery } from './progress';
import { aFewTimes, untilItWorks } from './retry';
import { BackfillMode, CorrelationId, GameDate, PipelinePhase } from './search-attributes';
import {
  backfillSignal,
  completionSignal,
  correlationIdSignal,
  phase4DoneSignal,
  predictionsCompleteSignal,
  type Phase4Done,
  type StepFired,
} from './signals';
import { statusOf, waitingOnOf, type GameDayStatus } from './status';
import { Steps } from './steps';

export type { GameDayInput, GameDayOutcome, GameDayState } from './game-day-state';

const { closedRunOf, recordRunClosed } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: untilItWorks,
});
const { deadLetterCompletions } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: untilItWorks,
});
const { sendAlert } = wf.proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: aFewTimes });

export class GameDay extends Steps {
  readonly state: GameDayState;
  private readonly historyLimit: number;
  /** Completions that arrived before the run knew its date had not closed already. */
  private unchecked: Completion[] | undefined;
  private phaseShown = '';

  constructor(input: GameDayInput) {
    const state = restore(input);
    // A date closes at the latest some days after it began or after its run opened, whichever is later.
    const dayBegins = zonedInstant(state.gameDate, '00:00', pipeline.phase5.timeZone);
    super(Math.max(Date.parse(state.openedAt), dayBegins) + pipeline.lifetime.maxOpenDuration);
    this.state = state;
    this.historyLimit = input.continueAsNewAfterEvents ?? pipeline.lifetime.continueAsNewAfterEvents;
    this.unchecked = input.state ? undefined : [];
    const { gameDate } = state;
    wf.upsertSearchAttributes([{ key: GameDate, value: gameDate }]);
    this.refreshPhase();
  }

  get gameDate(): string {
    return this.state.gameDate;
  }

  // ── What arrives ─────────────────────────────────────────────────────────────────────────────

  async receive(completion: Completion): Promise<void> {
    const { state } = this;
    state.deliveriesSeen += 1;
    if (!recordDelivery(state.received, completion, new Date().toISOString(), wf.patched(patches.batchProgress)))
      return;
    this.unchecked?.push(completion);
    if (!state.correlationId && completion.correlationId) {
      state.correlationId = completion.correlationId;
      wf.upsertSearchAttributes([{ key: CorrelationId, value: completion.correlationId }]);
      if (wf.patched(patches.correlationToPhase5))
        await this.signalChild('phase5', correlationIdSignal, completion.correlationId);
    }
    if (completion.skipDownstreamTrigger && !state.backfill) await this.enterBackfill();
    if (completion.phase === 'phase4') {
      if (state.children.phase4) await this.signalChild('phase4', completionSignal, completion);
      else state.phase4Backlog.push(completion);
    }
    if (completion.phase === 'phase5') await this.judgePrediction(completion);
  }

  stepFired(step: StepFired): void {
    this.state.triggers[step.key] ??= step;
    this.refreshPhase();
  }

  async phase4Finished(done: Phase4Done): Promise<void> {
    this.state.phase4Done ??= done;
    await this.signalChild('phase5', phase4DoneSignal, done);
  }

  phase5Finished(): void {
    this.state.phase5Finished = true;
  }

  /** A phase 5 run failed: start it again where it was (a few times at most), then alert. */
  async phase5Failed(reason: string): Promise<void> {
    const { state } = this;
    if (state.closed) return;
    state.phase5Failures.push(reason);
    delete state.children.phase5;
    const again = state.phase5Failures.length <= pipeline.lifetime.phase5Restarts;
    if (again) await this.startPhase5();
    else state.phase5Finished = true;
    await this.step(() =>
      sendAlert({
        kind: again ? 'phase5-restarted' : 'phase5-gave-up',
        severity: 'critical',
        title: again ? 'Phase 5 failed and was started again' : 'Phase 5 failed again: predictions need an operator',
        game_date: this.gameDate,
        correlation_id: state.correlationId ?? null,
        details: { reason, failures: state.phase5Failures.length },
      }).catch((error: unknown) =>
        wf.log.error('alert not delivered', { game_date: this.gameDate, error: failureMessage(error) }),
      ),
    );
  }

  status(): GameDayStatus {
    return statusOf(this.state);
  }

  phaseComplete(phase: PhaseKey): boolean {
    return phaseProgress(phase, this.state.received).complete;
  }

  // ── Steps ────────────────────────────────────────────────────────────────────────────────────

  /** True when the run history says the date closed before (Temporal may have forgotten it). */
  async closedBefore(): Promise<ClosedRun | undefined> {
    if (!this.unchecked) return undefined; // a continued run: checked when the date first opened
    // Temporal itself remembers a closed live date; only an older one may have been purged.
    const closed = wf.patched(patches.runHistory) && !isLive(this.gameDate) ? await closedRunOf(this.gameDate) : null;
    if (closed) return closed;
    this.unchecked = undefined;
    return undefined;
  }

  /** Ends a run the date should never have had: what it received is dead-lettered, nothing is published. */
  async endAsLate(closed: ClosedRun): Promise<GameDayOutcome> {
    const reason = `late: ${workflowIdFor(this.gameDate)} closed (${closed.outcome}, ${closed.closedAt}); a rerun is an explicit command`;
    wf.log.warn('date already closed; its new run ends at once', {
      game_date: this.gameDate,
      closed_at: closed.closedAt,
    });
    this.state.closed = 'late';
    const late = this.unchecked ?? [];
    do {
      await deadLetterCompletions({ completions: late.splice(0), reason });
      await wf.condition(wf.allHandlersFinished);
    } while (late.length > 0);
    this.refreshPhase();
    return 'late';
  }

  async startPhase5(): Promise<void> {
    const { state } = this;
    // A restart has an id of its own: the failed run may not have closed yet.
    const restarts = state.phase5Failures.length;
    const id =
      restarts === 0 ? phase5WorkflowId(this.gameDate) : `${phase5WorkflowId(this.gameDate)}/restart-${restarts}`;
    await this.startChildOnce('phase5', id, (workflowId) => startPhase5Child(state, workflowId));
    if (state.phase4Done) await this.signalChild('phase5', phase4DoneSignal, state.phase4Done);
    // The correlation id may have arrived while the child was starting.
    if (state.correlationId && wf.patched(patches.correlationToPhase5))
      await this.signalChild('phase5', correlationIdSignal, state.correlationId);
  }

  async startPhase4(): Promise<void> {
    await this.startChildOnce('phase4', phase4CascadeWorkflowId(this.gameDate), (workflowId) =>
      startPhase4Child(this.state, workflowId),
    );
    await this.step(async () => {
      const backlog = this.state.phase4Backlog;
      while (backlog.length > 0) await this.signalChild('phase4', completionSignal, backlog.shift()!);
    });
  }

  async fire(key: string, topic: string, message: Unstamped<Trigger>): Promise<void> {
    await this.step(() => fireOnce(this.state.triggers, key, this.state.backfill, topic, message));
    this.refreshPhase();
  }

  /** The event-driven export of the date, as a child run whose result the status shows. */
  async runExports(): Promise<void> {
    const { state } = this;
    const trigger = state.triggers.phase6;
    if (state.backfill || !trigger || state.exports) return;
    await this.step(async () => {
      state.exports = await runEventDrivenExport(state, trigger);
    });
    this.refreshPhase();
  }

  /** Stays open while deliveries keep arriving (late duplicates), then lets the date close; never past its deadline. */
  async closeWhenQuiet(): Promise<void> {
    const quiet = pipeline.lifetime.quietPeriodAfterLastTrigger;
    for (;;) {
      const seen = this.state.deliveriesSeen;
      const left = this.deadline - Date.now();
      if (left <= 0 || !(await this.waitFor(() => this.state.deliveriesSeen !== seen, Math.min(quiet, left)))) return;
    }
  }

  async close(outcome: 'completed' | 'expired'): Promise<GameDayOutcome> {
    const { state } = this;
    return this.step(async () => {
      state.closed = outcome;
      if (outcome === 'expired') {
        wf.log.warn('game day closed before completing', { game_date: this.gameDate, waiting_on: waitingOnOf(state) });
      }
      this.refreshPhase();
      await wf.condition(wf.allHandlersFinished); // e.g. a phase 5 restart under way
      await cancelChildren(state);
      if (wf.patched(patches.runHistory)) {
        const { workflowId, firstExecutionRunId } = wf.workflowInfo();
        await recordRunClosed({
          gameDate: this.gameDate,
          runId: firstExecutionRunId,
          workflowId,
          outcome,
          correlationId: state.correlationId ?? null,
          openedAt: state.openedAt,
          closedAt: new Date().toISOString(),
        });
      }
      return outcome;
    });
  }

  /** Continues as new once the history is long, at the first moment no step is under way. */
  async continueAsNewWhenSafe(): Promise<never> {
    await wf.condition(() => historyTooLong(this.historyLimit) && this.betweenSteps());
    return wf.continueAsNew<(input: GameDayInput) => Promise<GameDayOutcome>>({
      gameDate: this.gameDate,
      state: this.state,
      continueAsNewAfterEvents: this.historyLimit,
    });
  }

  // ── Helpers ──────────────────────────────────────────────────────────────────────────────────

  /** Starts a child once. Abandoned, not terminated, on continue-as-new; cancelled when the date closes. */
  private async startChildOnce(
    key: string,
    workflowId: string,
    start: (workflowId: string) => Promise<unknown>,
  ): Promise<void> {
    if (this.state.children[key]) return;
    await this.step(async () => {
      await start(workflowId);
      this.state.children[key] = workflowId;
    });
  }

  /** Signals a running child; a child that already finished needs nothing more. */
  private async signalChild<Args extends unknown[]>(
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

  /** Backfill (publish nothing downstream) applies to past dates only: one stray flag must not silence a live day. */
  private async enterBackfill(): Promise<void> {
    if (wf.patched(patches.backfillPastOnly) && isLive(this.gameDate)) {
      wf.log.warn('skip_downstream_trigger ignored on a live date', { game_date: this.gameDate });
      wf.upsertSearchAttributes([{ key: BackfillMode, value: false }]); // the bridge may have started the run with it
      return;
    }
    this.state.backfill = true;
    wf.upsertSearchAttributes([{ key: BackfillMode, value: true }]);
    await Promise.all([this.signalChild('phase4', backfillSignal), this.signalChild('phase5', backfillSignal)]);
  }

  private async judgePrediction(completion: Completion): Promise<void> {
    const { state } = this;
    if (state.acceptedPrediction) return;
    const verdict = phase6Verdict(completion);
    if (verdict.accepted) {
      state.acceptedPrediction = verdict;
      await this.signalChild('phase5', predictionsCompleteSignal);
    } else {
      state.rejectedPredictions.push(verdict.reason);
      wf.log.info('prediction completion turned away by the 5→6 gate', {
        game_date: this.gameDate,
        reason: verdict.reason,
      });
    }
  }

  private refreshPhase(): void {
    const phase = waitingOnOf(this.state);
    if (phase === this.phaseShown) return;
    this.phaseShown = phase;
    wf.upsertSearchAttributes([{ key: PipelinePhase, value: phase }]);
  }
}
