// A date's run as everyone else sees it: how it starts, its signals, defined once and shared by
// the run, its children and its clients.
import * as wf from '@temporalio/workflow';
import type { ScheduledDay } from '../schedule/activities';
import type { Completion } from '../messages/completion';

/** What a date's run starts with, from outside: the run adds its own fields when it continues as new. */
export interface DateRunStart {
  gameDate: string;
  /** What the schedule said when the opener opened the date (phase 5 then need not ask again). */
  schedule?: ScheduledDay;
}

/** The date's run, as clients start it: by its type name, never by importing the workflow. */
export type DateRunWorkflow = (input: DateRunStart) => Promise<unknown>;

/** A processor's completion, from the bridge (and forwarded by the run to the child that needs it). */
export const completionSignal = wf.defineSignal<[Completion]>('completion');
/** Opens the date's run with no completion, so its deadlines run even if no message ever arrives. */
export const openSignal = wf.defineSignal('open');

/** A child published (or, in backfill, skipped) one of the date's triggers. */
export interface StepFired {
  key: string;
  triggerId: string;
  firedAt: string;
  skipped: boolean;
  /** Who caused it (`trigger_source`); absent in steps of older releases. */
  source?: string;
}
export const stepFiredSignal = wf.defineSignal<[StepFired]>('stepFired');

/** Phase 4's last level is complete; counts from the level 3 completion. */
export interface Phase4Done {
  playersReady: number | null;
  playersTotal: number | null;
}
export const phase4DoneSignal = wf.defineSignal<[Phase4Done]>('phase4Done');

/** Predictions passed the 5→6 gate: no more retries needed. */
export const predictionsCompleteSignal = wf.defineSignal('predictionsComplete');

/** The date turned out to be a backfill: publish nothing more. */
export const backfillSignal = wf.defineSignal('backfill');

/** The backfill that drove the date is done with it: the run closes. */
export const backfillDoneSignal = wf.defineSignal('backfillDone');

/** How phase 5 ended: `noGames` when the schedule says the date has none (the run closes as `no_games`). */
export interface Phase5End {
  noGames?: ScheduledDay;
}
/** Phase 5's deadlines are all behind it (or do not apply): the date may close. */
export const phase5FinishedSignal = wf.defineSignal<[Phase5End?]>('phase5Finished');

/** Phase 5's run failed (an outage outlasted its retries): the date's run alerts and starts it again. */
export const phase5FailedSignal = wf.defineSignal<[string]>('phase5Failed');

/** Who pushed a phase on before its rules would have: an operator, or a rerun starting there. */
export type PushSource = 'manual' | 'rerun';

/** Phase 4's cascade fires `level` now, the levels before it counted as done. */
export interface PushLevel {
  level: number;
  source: PushSource;
}
export const pushLevelSignal = wf.defineSignal<[PushLevel]>('pushLevel');

/** Phase 5 starts predictions now, without waiting for phase 4 or its deadline. */
export const pushPhase5Signal = wf.defineSignal<[PushSource]>('pushPhase5');
/** The day's correlation id, once the first completion brought it (a run the opener started had none). */
export const correlationIdSignal = wf.defineSignal<[string]>('correlationId');

/** Who handed a date's results over: the run's own rules, or an operator, reconcile, a backfill, a rerun. */
export type HandOverSource = 'orchestrator' | 'manual' | 'reconcile' | 'backfill' | 'rerun';

/** The results of `resultsOf` are complete: the slate of the next game date may start its phase 4. */
export interface ResultsHandedOver {
  resultsOf: string;
  /** The results' correlation id: the slate's phase 4, 5 and 6 carry it on. */
  correlationId: string | null;
  source: HandOverSource;
  /** The first phase 2 completion of the results (end-to-end latency starts there). */
  firstCompletionAt: string | null;
  /** The phase 3 completion that made the results complete (phase 3 → 4 latency starts there). */
  lastCompletionAt: string | null;
  handedOverAt: string;
}
export const resultsHandedOverSignal = wf.defineSignal<[ResultsHandedOver]>('resultsHandedOver');
