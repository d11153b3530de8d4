// Alerts the date's run raises itself, through the one alert path (`sendAlert`: once per kind and
// date), noted in the run history. An alert route that is down never holds up the run.
import * as wf from '@temporalio/workflow';
import type { CataloguedAlert } from '../alerts/catalogue';
import type { Completion } from '../messages/completion';
import { failureMessage } from '../temporal/failure';
import type { GameDaySteps } from './steps';
import { sendAlert } from '../alerts/workflow';

/** Sends the alert and notes it; a failure to deliver is logged, never thrown. */
export async function raiseAlert(day: GameDaySteps, alert: Omit<CataloguedAlert, 'game_date'>): Promise<void> {
  const { state } = day;
  day.events.note({
    kind: 'alert',
    ...(typeof alert.details?.phase === 'string' ? { phase: alert.details.phase } : {}),
    detail: { kind: alert.kind, severity: alert.severity, title: alert.title },
  });
  await sendAlert({ correlation_id: state.correlationId ?? null, ...alert, game_date: day.gameDate }).catch(
    (error: unknown) =>
      wf.log.error('alert not delivered', { game_date: day.gameDate, kind: alert.kind, error: failureMessage(error) }),
  );
}

/** A processor reported `partial`: counted, and worth a warning (once per date). */
export async function alertPartial(day: GameDaySteps, completion: Completion): Promise<void> {
  await raiseAlert(day, {
    kind: 'phase-partial',
    severity: 'warning',
    title: `${completion.processor} (${completion.phase}) completed partially`,
    correlation_id: completion.correlationId ?? day.state.correlationId ?? null,
    details: {
      phase: completion.phase,
      processor: completion.processor,
      execution_id: completion.executionId,
      ...(completion.recordCount === undefined ? {} : { record_count: completion.recordCount }),
      ...(completion.metadata?.completion_pct === undefined
        ? {}
        : { completion_pct: completion.metadata.completion_pct }),
    },
  });
}
