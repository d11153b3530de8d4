// The end of a game date's run, and phase 5 started again when it failed: steps with an alert or
// a record that the run takes outside the story's main line.
import * as wf from '@temporalio/workflow';
import type { AlertActivities } from '../alerts/activities';
import type { ScheduleActivities } from '../schedule/activities';
import type { ScheduledDay } from '../schedule/activities';
import { pipeline } from '../pipeline/definition';
import { failureMessage } from '../temporal/failure';
import { raiseAlert } from './alerts';
import { cancelChildren } from './children';
import { recordCloseOrAlert } from './guards';
import type { GameDay } from './run';
import type { GameDayOutcome } from './state';
import { alerting } from '../temporal/activity-options';
import { waitingOnOf } from '../date-run/status';

const { sendAlert, scheduledDay } = wf.proxyActivities<AlertActivities & ScheduleActivities>(alerting);

/** The schedule's word on the date as it closes; unanswered, the date is a game day that expired. */
function scheduleAtClose(gameDate: string): Promise<ScheduledDay> {
  return scheduledDay(gameDate).catch((): ScheduledDay => ({
    gameDate,
    verdict: 'unknown',
    games: 0,
    before: 0,
    after: 0,
  }));
}

/** A phase 5 run failed: start it again where it was (a few times at most), then alert. */
export async function restartPhase5(day: GameDay, reason: string): Promise<void> {
  const { state } = day;
  if (state.closed) return;
  state.phase5Failures.push(reason);
  delete state.children.phase5;
  const again = state.phase5Failures.length <= pipeline.lifetime.phase5Restarts;
  if (again) await day.startPhase5();
  else state.phase5Finished = true;
  const title = again ? 'Phase 5 failed and was started again' : 'Phase 5 failed again: predictions need an operator';
  day.events.note({ kind: 'alert', phase: 'phase5', detail: { severity: 'critical', title, reason } });
  await day.steps.step(async () => {
    await sendAlert({
      kind: again ? 'phase5-restarted' : 'phase5-gave-up',
      severity: 'critical',
      title,
      game_date: day.gameDate,
      correlation_id: state.correlationId ?? null,
      details: { reason, failures: state.phase5Failures.length },
    }).catch((error: unknown) =>
      wf.log.error('alert not delivered', { game_date: day.gameDate, error: failureMessage(error) }),
    );
    await day.events.write();
  });
}

/** Closes the date: children still running are cancelled, and the close is recorded in the run history. */
export async function closeDay(day: GameDay, closing: Exclude<GameDayOutcome, 'late'>): Promise<GameDayOutcome> {
  const { state } = day;
  // A re-export under way at the close finishes and is recorded before the run ends.
  await wf.condition(() => day.steps.idle());
  return day.steps.step(async () => {
    const waitingOn = waitingOnOf(state);
    let outcome = closing;
    if (outcome === 'expired') {
      // A date phase 5 never asked about (opened after its deadlines) may be a day without games.
      const schedule = await scheduleAtClose(day.gameDate);
      if (schedule.verdict === 'no_games') state.noGames ??= schedule;
      if (state.noGames) outcome = 'no_games';
      // A backfill loads past days through a phase of its choosing: their runs expire by design.
      else if (!state.backfill)
        await raiseAlert(day.steps, {
          kind: 'date-expired',
          severity: 'critical',
          title: `date-expired: closed without completing, waiting on ${waitingOn}`,
          details: { waiting_on: waitingOn, opened_at: state.openedAt },
        });
    }
    state.closed = outcome;
    if (outcome === 'expired') {
      wf.log.warn('game day closed before completing', { game_date: day.gameDate, waiting_on: waitingOn });
    }
    day.shown.refresh();
    await wf.condition(wf.allHandlersFinished); // e.g. a phase 5 restart under way
    await cancelChildren(state);
    day.events.note({
      kind: 'close',
      detail: { outcome, waiting_on: waitingOn, ...(state.noGames ? { schedule: state.noGames } : {}) },
    });
    await day.events.write();
    const { workflowId, firstExecutionRunId } = wf.workflowInfo();
    await recordCloseOrAlert(day.events, state, {
      gameDate: day.gameDate,
      runId: firstExecutionRunId,
      workflowId,
      outcome,
      correlationId: state.correlationId ?? null,
      openedAt: state.openedAt,
      closedAt: new Date().toISOString(),
      backfill: state.backfill,
    });
    return outcome;
  });
}
