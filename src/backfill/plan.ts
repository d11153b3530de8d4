// What a backfill does for each date, as pure data derived from the pipeline definition: the
// triggers from --from-phase through --through-phase in order, and the completions each one waits
// for. Used by the backfill workflow and by `pipeline backfill --dry-run`.
import { addDays, isCalendarDate } from '../time';
import {
  phase3Trigger,
  phase4LevelTrigger,
  phase5StartTrigger,
  phase6Trigger,
  type Trigger,
  type Unstamped,
} from '../messages/trigger';
import { phaseDefinition, pipeline, type PhaseKey } from '../pipeline/definition';
import { backfillTriggerId, triggerKeys } from '../pipeline/ids';

export interface BackfillRange {
  from: string;
  to: string;
  fromPhase: number;
  throughPhase: number;
  maxActive: number;
}

/** Whose date a step's trigger names: the results' date D, or the slate's date N (the next game date). */
export type BackfillHalf = 'results' | 'slate';

/** One trigger of a date's backfill, and the processors it starts (the next step waits for them). */
export interface BackfillStep {
  /** The game-day run's key for the same trigger: `phase3`, `phase4/1`, … */
  key: string;
  phase: number;
  topic: string;
  half: BackfillHalf;
  /** The processors this trigger starts, of `phase`. */
  starts: { phase: PhaseKey; processors: string[] };
}

const required = (phase: PhaseKey): string[] =>
  phaseDefinition(phase)
    .processors.filter((p) => !p.optional)
    .map((p) => p.name);

const phase4Steps: BackfillStep[] = pipeline.phase4Levels.map(({ level, processors }) => ({
  key: triggerKeys.phase4Level(level),
  phase: 4,
  topic: pipeline.topics.phase4Trigger,
  half: 'slate',
  starts: { phase: 'phase4', processors: [...processors] },
}));

// The results of D (phase 3 for D), then the slate of the next game date N (phases 4, 5, 6 for N).
const allSteps: BackfillStep[] = [
  {
    key: triggerKeys.phase3,
    phase: 3,
    topic: pipeline.topics.phase3Trigger,
    half: 'results',
    starts: { phase: 'phase3', processors: required('phase3') },
  },
  ...phase4Steps,
  {
    key: triggerKeys.phase5,
    phase: 5,
    topic: pipeline.topics.phase5Start,
    half: 'slate',
    starts: { phase: 'phase5', processors: required('phase5') },
  },
  // Phase 6 runs the export itself (an export run of the backfill's), so it starts no processor.
  {
    key: triggerKeys.phase6,
    phase: 6,
    topic: pipeline.topics.phase6ExportTrigger,
    half: 'slate',
    starts: { phase: 'phase6', processors: [] },
  },
];

/**
 * The triggers each date gets, in order. Each waits until the processors the step before it
 * started have succeeded for that step's date; the first goes out at once (its upstream is the
 * operator's call).
 */
export function backfillSteps(fromPhase: number, throughPhase: number): BackfillStep[] {
  return allSteps.filter((s) => s.phase >= fromPhase && s.phase <= throughPhase);
}

/** The date a step's trigger names, for a backfill date. */
export const stepDate = (step: BackfillStep, date: { date: string; next: string }): string =>
  step.half === 'results' ? date.date : date.next;

/** Every date from `from` to `to`, both included. */
export function datesOf(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let date = from; date <= to && dates.length <= pipeline.backfill.maxDates; date = addDays(date, 1)) {
    dates.push(date);
  }
  return dates;
}

/** Why a backfill request cannot run, or undefined when it can. `today` is the date in America/Los_Angeles. */
export function backfillRangeProblem(range: BackfillRange, today: string): string | undefined {
  const { firstPhase, lastPhase, maxDates, maxActive } = pipeline.backfill;
  if (!isCalendarDate(range.from) || !isCalendarDate(range.to)) return 'dates must be YYYY-MM-DD';
  if (range.from > range.to) return `the range is reversed: --from ${range.from} is after --to ${range.to}`;
  const days = datesOf(range.from, range.to).length;
  if (days > maxDates) {
    return `the range ${range.from}..${range.to} is longer than ${maxDates} dates: split it (a season at a time)`;
  }
  const lastPast = addDays(today, -pipeline.backfillOlderThanDays);
  if (range.to > lastPast) {
    return `--to ${range.to} is too recent: a backfill takes dates up to ${lastPast} (live dates run by themselves)`;
  }
  for (const [name, phase] of [
    ['--from-phase', range.fromPhase],
    ['--through-phase', range.throughPhase],
  ] as const) {
    if (!Number.isInteger(phase) || phase < firstPhase || phase > lastPhase) {
      return `${name} must be a phase from ${firstPhase} to ${lastPhase}, got ${phase}`;
    }
  }
  if (range.fromPhase > range.throughPhase) {
    return `--from-phase ${range.fromPhase} is after --through-phase ${range.throughPhase}`;
  }
  if (!Number.isInteger(range.maxActive) || range.maxActive < 1 || range.maxActive > maxActive) {
    return `--max-active must be a whole number from 1 to ${maxActive}, got ${range.maxActive}`;
  }
  return undefined;
}

/** The trigger a backfill publishes for `step` of `gameDate`: the game-day run's, from `backfill`, in backfill mode. */
export function backfillTrigger(
  backfillId: string,
  gameDate: string,
  step: BackfillStep,
  reason: string,
  firedAt: string,
  upstreamProcessors = 0,
  /** The results the slate's phase 4 is computed from: the game date before it. */
  resultsOf?: string,
): Trigger {
  const base = {
    game_date: gameDate,
    correlation_id: `${backfillId}/${gameDate}`,
    trigger_source: 'backfill' as const,
    upstream_processors_count: upstreamProcessors,
    skip_downstream_trigger: true,
    backfill_mode: true,
    backfill_reason: reason,
  };
  const message = ((): Unstamped<Trigger> => {
    if (step.phase === 3) return phase3Trigger(base);
    if (step.phase === 4) {
      const level = pipeline.phase4Levels.find((l) => triggerKeys.phase4Level(l.level) === step.key)!;
      return phase4LevelTrigger(base, level, resultsOf);
    }
    if (step.phase === 5) return phase5StartTrigger(base, { ready: null, total: null });
    return phase6Trigger(base, {
      target_date: gameDate,
      update_latest: false, // an old day's exports write their dated files only
      upstream_batch_id: null,
      upstream_predictions: null,
    });
  })();
  return { ...message, trigger_id: backfillTriggerId(backfillId, gameDate, step.key), timestamp: firedAt };
}

/** What the backfill learns about one step of one date before taking it. */
export interface StepLook {
  /** The step as the date's run recorded it when someone (the live run, another backfill) fired it. */
  fired?: { triggerId: string; firedAt: string; source?: string };
  /** The processors the step before it started have all succeeded for their date, since it fired. */
  ready: boolean;
  /** The run of the step's date ended (`closed`, `expired`, `late`): waiting is pointless. */
  ended?: string;
}
