// The state a game date's run keeps (and carries across continue-as-new), and the rules that read it.
import { addDays } from '../messages/dates';
import { emptyLeaseTable, type LeaseTable } from '../leases/table';
import type { ScheduledDay } from '../activities/bigquery';
import type { Completion } from '../messages/completion';
import type { RunEvent } from '../messages/run-event';
import { pipeline } from '../pipeline/definition';
import type { Received } from './progress';
import type { OperatorCommand, Rerun } from './commands';
import type { Phase4Done, ResultsHandedOver, StepFired } from './signals';
import type { ExportOutcome } from './status';
import { calendarDateIn } from './target-date';

export type GameDayOutcome = 'completed' | 'expired' | 'late' | 'no_games';

export interface GameDayInput {
  gameDate: string;
  /** Carried across continue-as-new; absent on the first run. */
  state?: GameDayState;
  /** History length that makes the run continue as new (default: the pipeline definition's). */
  continueAsNewAfterEvents?: number;
  /** A deliberate rerun of a closed date (`pipeline rerun`). */
  rerun?: Rerun;
  /** What the schedule said when the opener opened the date (phase 5 then need not ask again). */
  schedule?: ScheduledDay;
}

export interface HandedOver {
  to: string;
  at: string;
  /** `closed`: the next date's run had closed (nothing started there); `skipped`: a backfill drives the dates. */
  outcome: 'handed-over' | 'closed' | 'skipped';
  /** How the next game date was found: the schedule, or the next day when the schedule did not say. */
  nextBy: 'schedule' | 'next-day';
}

export interface AcceptedPrediction {
  batchId: string | null;
  predictions: number | null;
  completionPct: number;
}

export interface GameDayState {
  gameDate: string;
  openedAt: string;
  /** The correlation id of the date's results (its phase 2 and 3 completions). */
  correlationId?: string;
  /** The correlation id of the date's slate: the one handed over with the results before it. */
  slateCorrelationId?: string;
  backfill: boolean;
  /** The backfill that drove the date is done with it: the run closes. */
  backfillDone?: boolean;
  /** Where the date's results went: the slate of the next game date (key `handover` in `triggers`). */
  handedOver?: HandedOver;
  /** The results handed over to the date's slate (the first that came). */
  slateInput?: ResultsHandedOver;
  received: Received;
  /** Every trigger published (or skipped in backfill) for the date, by key: `phase3`, `handover`, `phase4/1`, … */
  triggers: Record<string, StepFired>;
  /** Children started, by key. */
  children: Record<string, string>;
  phase4Done?: Phase4Done;
  /** The prediction completion that passed the 5→6 gate. */
  acceptedPrediction?: AcceptedPrediction;
  /** A later batch through the gate with higher coverage than the last export's, not yet exported. */
  betterPrediction?: AcceptedPrediction;
  /** Tonight's files exported again, once per better batch, in order. */
  betterExports?: (ExportOutcome & { prediction: AcceptedPrediction; triggerId: string })[];
  /** Prediction completions the 5→6 gate turned away, with why. */
  rejectedPredictions: string[];
  /** Phase 4 completions (duplicates aside) that arrived before the cascade ran: handed to it at its start. */
  phase4Backlog: Completion[];
  exports?: ExportOutcome;
  /** Phase 5's retries and SLA check are behind it. */
  phase5Finished?: boolean;
  /** What the schedule said when it told phase 5 the date has no games: the run closes as `no_games`. */
  noGames?: ScheduledDay;
  /** The opener's reading of the schedule, handed to phase 5. */
  schedule?: ScheduledDay;
  /** Phases a completion handed over by reconcile counted in: their triggers carry `reconcile`. */
  mendedByReconcile?: string[];
  /** Why each failed phase 5 run failed. */
  phase5Failures: string[];
  closed?: GameDayOutcome;
  deliveriesSeen: number;
  /** Run history events noted but not yet written (carried, so a continue-as-new loses none). */
  events: RunEvent[];
  /** Events noted so far: the last part of each event id. */
  eventSequence: number;
  /** Commands operators gave, in order: what was asked, by whom and why. */
  commands: OperatorCommand[];
  /** Set when the run is a deliberate rerun of a closed date. */
  rerun?: Rerun;
  /** Processing leases: which processor run works on the date now (seed 003). */
  leases: LeaseTable;
}

/** A date of today or the days just before it (America/Los_Angeles): its day is still being played out. */
export function isLive(gameDate: string): boolean {
  const today = calendarDateIn(pipeline.phase5.timeZone, new Date());
  return gameDate > addDays(today, -pipeline.backfillOlderThanDays);
}

/** A fresh state, or the carried one with what older releases did not carry filled in. */
export function restore(input: GameDayInput): GameDayState {
  const { gameDate, state } = input;
  return {
    gameDate,
    openedAt: new Date().toISOString(),
    backfill: false,
    received: {},
    triggers: {},
    children: {},
    rejectedPredictions: [],
    phase4Backlog: [],
    phase5Failures: [],
    deliveriesSeen: 0,
    events: [],
    eventSequence: 0,
    commands: [],
    ...(input.schedule ? { schedule: input.schedule } : {}),
    ...(input.rerun ? { rerun: input.rerun, correlationId: input.rerun.correlationId ?? undefined } : {}),
    leases: emptyLeaseTable(),
    ...state,
  };
}

export function phase5Triggers(triggers: Record<string, StepFired>): Record<string, StepFired> {
  return Object.fromEntries(Object.entries(triggers).filter(([key]) => key === 'phase5' || key.startsWith('phase5/')));
}
