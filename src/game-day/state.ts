// The state a game date's run keeps (and carries across continue-as-new), and the rules that read it.
import { addDays } from '../time';
import { emptyLeaseTable, type LeaseTable } from '../leases/table';
import type { ScheduledDay } from '../schedule/activities';
import type { Completion } from '../messages/completion';
import type { RunEvent } from '../messages/run-event';
import { pipeline } from '../pipeline/definition';
import { notCounted, type Received } from '../date-run/progress';
import type { OperatorCommand, Rerun } from '../date-run/commands';
import type { Phase4Done, ResultsHandedOver, StepFired } from '../date-run/signals';
import type { ExportOutcome } from '../date-run/status';
import { calendarDateIn } from '../time';

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
  /**
   * Phase 4 completions that arrived before the cascade ran, handed to it at its start: only what
   * the cascade reads (see `keepForPhase4`), and a bounded number of them.
   */
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
  /** Events dropped unwritten while the run history could not be written (the oldest beyond a bound). */
  eventsDropped?: number;
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

/** What the cascade reads of a phase 4 completion: who, how it ended, which run, and the players ready. */
export function phase4Essentials(completion: Completion): Completion {
  const players = Object.fromEntries(
    ['players_ready', 'players_total'].flatMap((key) => {
      const value = completion.metadata?.[key];
      return typeof value === 'number' ? [[key, value]] : [];
    }),
  );
  return {
    phase: completion.phase,
    processor: completion.processor,
    gameDate: completion.gameDate,
    status: completion.status,
    executionId: completion.executionId,
    skipDownstreamTrigger: completion.skipDownstreamTrigger,
    ...(completion.correlationId ? { correlationId: completion.correlationId } : {}),
    ...(Object.keys(players).length > 0 ? { metadata: players } : {}),
  };
}

/**
 * Keeps a phase 4 completion for the cascade: per processor the latest one that counts and the
 * latest one that does not (a later one of the same kind replaces it), and never more than the
 * bound in all (the oldest go first).
 */
export function keepForPhase4(backlog: Completion[], completion: Completion): void {
  const kept = phase4Essentials(completion);
  const counts = (c: Completion) => notCounted(c) === undefined;
  const same = backlog.findIndex((c) => c.processor === kept.processor && counts(c) === counts(kept));
  if (same >= 0) backlog.splice(same, 1);
  backlog.push(kept);
  const excess = backlog.length - pipeline.lifetime.phase4BacklogAtMost;
  if (excess > 0) backlog.splice(0, excess);
}

/** The carried state's size as Temporal sees it: its JSON, in UTF-8 bytes. */
export function carriedBytes(state: GameDayState): number {
  const json = JSON.stringify(state);
  let bytes = 0;
  for (let i = 0; i < json.length; i += 1) {
    const code = json.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4; // a surrogate pair: one 4-byte character
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

/** Unwritten events kept when the carried state has grown too large. */
export const unwrittenEventsKeptWhenLarge = 100;
/** Rejected predictions remembered when the carried state has grown too large (the newest). */
const rejectedPredictionsKeptWhenLarge = 20;

/** Trims what the run can do without (the older rejections); unwritten events are trimmed by the event log. */
export function trimRejections(state: GameDayState): void {
  const excess = state.rejectedPredictions.length - rejectedPredictionsKeptWhenLarge;
  if (excess > 0) state.rejectedPredictions.splice(0, excess);
}
