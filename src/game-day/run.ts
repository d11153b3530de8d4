// One game date's run as a state object: what it receives (completions, its children's reports) and
// the steps of its life (opening, children, closing). `gameDayWorkflow` tells the story with these.
// It is composed of parts: its state, its run history events, what the Web UI shows, the check that
// its date had not closed before, its processing leases, and its steps (`GameDaySteps`, over the run's `Steps`), which
// every part of the run takes the same way.
import * as wf from '@temporalio/workflow';
import type { Completion } from '../messages/completion';
import { pipeline, type PhaseKey } from '../pipeline/definition';
import { gameDayChildId } from '../pipeline/ids';
import { zonedInstant } from '../time';
import { alertPartial } from './alerts';
import { judgePrediction } from './predictions';
import { scopeOf, startPhase4Child, startPhase5Child } from './children';
import { isLive, keepForPhase4, restore, type GameDayInput, type GameDayState } from './state';
import { notCounted, phaseProgress, recordDelivery } from '../date-run/progress';
import { BackfillMode, GameDate } from '../temporal/search-attributes';
import {
  backfillSignal,
  completionSignal,
  correlationIdSignal,
  phase4DoneSignal,
  type Phase4Done,
  type Phase5End,
  type PushLevel,
  type PushSource,
  type ResultsHandedOver,
  type StepFired,
} from '../date-run/signals';
import { statusOf, type GameDayStatus } from '../date-run/status';
import { GameDaySteps } from './steps';
import { RunEventLog } from './events';
import { PhaseShown } from './shown';
import { LateCheck } from './late';
import { Leases } from './leases';
import { Steps } from '../temporal/steps';
import { learnResultsCorrelation, learnSlateCorrelation, receiveHandOver } from './handover';

export type { GameDayInput, GameDayOutcome, GameDayState } from './state';

export class GameDay {
  readonly state: GameDayState;
  readonly events: RunEventLog;
  readonly shown: PhaseShown;
  readonly steps: GameDaySteps;
  readonly late: LateCheck;
  readonly leases: Leases;

  constructor(input: GameDayInput) {
    const state = restore(input);
    // A date closes at the latest some days after it began or after its run opened, whichever is later.
    const dayBegins = zonedInstant(state.gameDate, '00:00', pipeline.phase5.timeZone);
    const deadline = Math.max(Date.parse(state.openedAt), dayBegins) + pipeline.lifetime.maxOpenDuration;
    const historyLimit = input.continueAsNewAfterEvents ?? pipeline.lifetime.continueAsNewAfterEvents;
    this.state = state;
    this.events = new RunEventLog(state);
    this.shown = new PhaseShown(state);
    this.steps = new GameDaySteps(state, this.events, this.shown, new Steps(deadline), historyLimit);
    this.leases = new Leases(state);
    this.late = new LateCheck(state, this.events, this.shown, !!(input.state || input.rerun));
    wf.upsertSearchAttributes([{ key: GameDate, value: state.gameDate }]);
    this.shown.refresh();
  }

  get gameDate(): string {
    return this.state.gameDate;
  }

  // ── What arrives ─────────────────────────────────────────────────────────────────────────────

  async receive(completion: Completion): Promise<void> {
    const { state } = this;
    state.deliveriesSeen += 1;
    if (!recordDelivery(state.received, completion, new Date().toISOString())) {
      this.events.completion(completion, 'duplicate');
      return;
    }
    this.late.hold(completion);
    if (completion.metadata?.trigger_source === 'reconcile') {
      const mended = (state.mendedByReconcile ??= []);
      if (!mended.includes(completion.phase)) mended.push(completion.phase);
    }
    if (completion.correlationId) {
      if (pipeline.day.resultsPhases.includes(completion.phase))
        learnResultsCorrelation(this.steps, completion.correlationId);
      else await learnSlateCorrelation(this.steps, completion.correlationId);
    }
    if (completion.skipDownstreamTrigger && !state.backfill) await this.enterBackfill();
    if (completion.phase === 'phase4') {
      if (state.children.phase4) await this.steps.signalChild('phase4', completionSignal, completion);
      else keepForPhase4(state.phase4Backlog, completion);
    }
    const refused =
      completion.phase === 'phase5' ? await judgePrediction(this.steps, completion) : notCounted(completion);
    this.events.completion(completion, refused ? 'rejected' : 'accepted', refused);
    // A backfill of past days would warn for every date it loads: only live runs warn.
    if (!refused && completion.status === 'partial' && !state.backfill) await alertPartial(this.steps, completion);
  }

  stepFired(step: StepFired): void {
    const before = this.state.triggers[step.key]; // one skipped in backfill mode gives way to the backfill's
    if (before && !(before.skipped && !step.skipped)) return;
    this.state.triggers[step.key] = step;
    // The slate's first trigger names the results it started from.
    const resultsOf = this.state.slateInput?.resultsOf;
    this.events.trigger(
      step,
      step.key.split('/')[0]!,
      step.key === 'phase4/1' && resultsOf ? { results_of: resultsOf } : {},
    );
    this.shown.refresh();
  }

  /** The results of the game date before reached this date's slate: its phase 4 may start (first one wins). */
  resultsHandedOver(handover: ResultsHandedOver): Promise<void> {
    return receiveHandOver(this.steps, handover);
  }

  async phase4Finished(done: Phase4Done): Promise<void> {
    this.state.phase4Done ??= done;
    await this.steps.signalChild('phase5', phase4DoneSignal, done);
  }

  phase5Finished(end?: Phase5End): void {
    this.state.phase5Finished = true;
    if (end?.noGames) this.state.noGames ??= end.noGames;
  }

  /** A backfill drives the date: its own rules publish nothing (past dates only, as for the flag). */
  async backfillRequested(): Promise<void> {
    if (!this.state.backfill) await this.enterBackfill();
  }

  status(): GameDayStatus {
    return statusOf(this.state);
  }

  phaseComplete(phase: PhaseKey): boolean {
    return phaseProgress(phase, this.state.received).complete;
  }

  // ── Steps ────────────────────────────────────────────────────────────────────────────────────

  async startPhase5(pushed?: PushSource): Promise<void> {
    const { state } = this;
    // A restart has an id of its own: the failed run may not have closed yet.
    const restarts = state.phase5Failures.length;
    const first = gameDayChildId(this.gameDate, 'phase5', scopeOf(state));
    const id = restarts === 0 ? first : `${first}/restart-${restarts}`;
    await this.steps.startChildOnce('phase5', id, (workflowId) => startPhase5Child(state, workflowId, pushed));
    if (state.phase4Done) await this.steps.signalChild('phase5', phase4DoneSignal, state.phase4Done);
    // The slate's correlation id may have arrived while the child was starting.
    if (state.slateCorrelationId) await this.steps.signalChild('phase5', correlationIdSignal, state.slateCorrelationId);
  }

  async startPhase4(pushed?: PushLevel): Promise<void> {
    const id = gameDayChildId(this.gameDate, 'phase4', scopeOf(this.state));
    await this.steps.startChildOnce('phase4', id, (workflowId) => startPhase4Child(this.state, workflowId, pushed));
    await this.steps.step(async () => {
      const backlog = this.state.phase4Backlog;
      while (backlog.length > 0) await this.steps.signalChild('phase4', completionSignal, backlog.shift()!);
    });
  }

  // ── Helpers ──────────────────────────────────────────────────────────────────────────────────

  /** Backfill (publish nothing downstream) applies to past dates only: one stray flag must not silence a live day. */
  private async enterBackfill(): Promise<void> {
    if (isLive(this.gameDate)) {
      wf.log.warn('skip_downstream_trigger ignored on a live date', { game_date: this.gameDate });
      wf.upsertSearchAttributes([{ key: BackfillMode, value: false }]); // the bridge may have started the run with it
      return;
    }
    this.state.backfill = true;
    wf.upsertSearchAttributes([{ key: BackfillMode, value: true }]);
    await Promise.all([
      this.steps.signalChild('phase4', backfillSignal),
      this.steps.signalChild('phase5', backfillSignal),
    ]);
  }
}
