// The hand-over: a date's results, complete, go to the slate of the next game date — the date the
// schedule names next, or the next day when the schedule does not say in time. One step of the
// date's run, at most once (key `handover`), by signal-with-start on the next date's run.
import * as wf from '@temporalio/workflow';
import type { ScheduleActivities } from '../schedule/activities';
import type { OpenDateActivities } from '../date-run/client';
import { addDays } from '../time';
import { pipeline } from '../pipeline/definition';
import { gameDayTriggerId } from '../pipeline/ids';
import type { GameDaySteps } from './steps';
import { firstReceivedAt } from '../triggers/pipeline-metrics';
import { completedAt } from '../date-run/progress';
import { askingWithin, signallingARun } from '../temporal/activity-options';
import { CorrelationId } from '../temporal/search-attributes';
import { correlationIdSignal, type HandOverSource, type ResultsHandedOver, type StepFired } from '../date-run/signals';

// The schedule read must not hold the results long: past its deadline the next day takes them.
const { nextGameDate } = wf.proxyActivities<ScheduleActivities & OpenDateActivities>(
  askingWithin(pipeline.day.nextGameDateWaitsUpTo),
);
const { handOverResults } = wf.proxyActivities<ScheduleActivities & OpenDateActivities>(signallingARun);

/**
 * Hands the date's complete results over to the slate of the next game date (the schedule's, or
 * the next day when it does not say in time): once per run, recorded as the `handover` trigger.
 */
export async function handOver(day: GameDaySteps, source: HandOverSource): Promise<void> {
  const { state } = day;
  if (state.triggers.handover) return;
  await day.step(async () => {
    if (state.triggers.handover) return;
    const next = await nextGameDate(day.gameDate).catch((error: unknown) => {
      wf.log.warn('next game date unknown: the results go to the next day', {
        game_date: day.gameDate,
        error: String(error),
      });
      return null;
    });
    const to = next ?? addDays(day.gameDate, 1);
    const handedOverAt = new Date().toISOString();
    const handover: ResultsHandedOver = {
      resultsOf: day.gameDate,
      correlationId: state.correlationId ?? null,
      source,
      firstCompletionAt: firstReceivedAt(state.received, 'phase2') ?? null,
      lastCompletionAt: completedAt('phase3', state.received) ?? null,
      handedOverAt,
    };
    // A backfill drives each date's slate itself: the run only records where its results go.
    const outcome = state.backfill ? 'skipped' : (await handOverResults(to, handover)).outcome;
    state.handedOver = {
      to,
      at: handedOverAt,
      outcome: outcome === 'opened' ? 'handed-over' : outcome,
      nextBy: next ? 'schedule' : 'next-day',
    };
    const step: StepFired = {
      key: 'handover',
      triggerId: gameDayTriggerId(day.gameDate, 'handover'),
      firedAt: handedOverAt,
      skipped: state.backfill,
      source,
    };
    state.triggers.handover = step;
    day.events.note({
      kind: 'trigger',
      phase: 'phase3',
      triggerId: step.triggerId,
      triggerSource: source,
      detail: {
        key: 'handover',
        fired: !step.skipped,
        to,
        outcome: state.handedOver.outcome,
        next_by: state.handedOver.nextBy,
      },
    });
    await day.events.write();
  });
  day.shown.refresh();
}

/** The results of the game date before reached this date's slate: its phase 4 may start (first one wins). */
export async function receiveHandOver(day: GameDaySteps, handover: ResultsHandedOver): Promise<void> {
  const { state } = day;
  if (state.slateInput) return;
  state.slateInput = handover;
  if (handover.correlationId) await learnSlateCorrelation(day, handover.correlationId);
  day.shown.refresh();
}

/** The results' chain: the run's CorrelationId in the Web UI (the slate's id stays on its children). */
export function learnResultsCorrelation(day: GameDaySteps, id: string): void {
  if (day.state.correlationId) return;
  day.state.correlationId = id;
  wf.upsertSearchAttributes([{ key: CorrelationId, value: id }]);
  day.shown.refresh();
}

/** The slate's chain (handed over with the results before it): phase 4, 5 and 6 carry it. */
export async function learnSlateCorrelation(day: GameDaySteps, id: string): Promise<void> {
  const { state } = day;
  if (state.slateCorrelationId) return;
  state.slateCorrelationId = id;
  // Until the date's own results bring theirs, the run is found by its slate's.
  if (!state.correlationId) wf.upsertSearchAttributes([{ key: CorrelationId, value: id }]);
  day.shown.refresh();
  await day.signalChild('phase5', correlationIdSignal, id);
}
