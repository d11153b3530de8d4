// The date's status rebuilt from the run history (BigQuery): what `pipeline status` says when the
// date's run is gone or does not answer. Kept apart so a live status never loads the BigQuery client.
import type { BigQuery } from '@google-cloud/bigquery';
import { eventsOfDate } from '../run-history/run-events';
import { closedRunOf } from '../run-history/run-history';
import type { Completion, CompletionStatus } from '../messages/completion';
import type { RunEvent } from '../messages/run-event';
import type { PhaseKey } from '../pipeline/definition';
import { recordDelivery, type Received } from '../date-run/progress';
import type { StepFired } from '../date-run/signals';
import { notStartedStatus, statusOf, type GameDayStatus } from '../date-run/status';

/** The date as its events tell it: completions received, triggers, the close. Undefined when none were written. */
export async function statusFromRunHistory(bigquery: BigQuery, date: string): Promise<GameDayStatus | undefined> {
  const events = await eventsOfDate(bigquery, date);
  if (events.length === 0) {
    const closed = await closedRunOf(bigquery, date);
    if (!closed) return undefined;
    return { ...notStartedStatus(date), correlation_id: closed.correlationId, waiting_on: closed.outcome };
  }
  return statusFromEvents(date, events);
}

export function statusFromEvents(date: string, events: readonly RunEvent[]): GameDayStatus {
  const received: Received = {};
  const triggers: Record<string, StepFired> = {};
  let closed: 'completed' | 'expired' | 'late' | 'no_games' | undefined;
  let handedOver: { to: string; at: string; nextBy: 'schedule' | 'next-day' } | undefined;
  let resultsOf: string | undefined;
  // Later events win: a rerun's trigger replaces the first run's under the same key.
  for (const event of events) {
    const detail = event.detail ?? {};
    if (event.kind === 'completion' && detail.verdict !== 'duplicate' && event.phase && event.processor) {
      const completion: Completion = {
        phase: event.phase as PhaseKey,
        processor: event.processor,
        gameDate: date,
        status: String(detail.status) as CompletionStatus,
        executionId: String(detail.execution_id),
        skipDownstreamTrigger: false,
        ...(typeof detail.completion_pct === 'number' ? { metadata: { completion_pct: detail.completion_pct } } : {}),
      };
      recordDelivery(received, completion, event.at);
    } else if (event.kind === 'trigger' && typeof detail.key === 'string' && event.triggerId) {
      triggers[detail.key] = {
        key: detail.key,
        triggerId: event.triggerId,
        firedAt: event.at,
        skipped: detail.fired === false,
        ...(event.triggerSource ? { source: event.triggerSource } : {}),
      };
      if (detail.key === 'handover' && typeof detail.to === 'string') {
        handedOver = { to: detail.to, at: event.at, nextBy: detail.next_by === 'next-day' ? 'next-day' : 'schedule' };
      }
      if (typeof detail.results_of === 'string') resultsOf = detail.results_of;
    } else if (event.kind === 'close' && typeof detail.outcome === 'string') {
      closed = detail.outcome as typeof closed;
    }
  }
  const correlationId = events.find((e) => e.correlationId)?.correlationId ?? undefined;
  return statusOf({
    gameDate: date,
    ...(correlationId ? { correlationId } : {}),
    backfill: Object.values(triggers).some((t) => t.skipped),
    received,
    triggers,
    rejectedPredictions: [],
    ...(closed ? { closed } : {}),
    ...(handedOver ? { handedOver } : {}),
    ...(resultsOf
      ? {
          slateInput: {
            resultsOf,
            correlationId: null,
            source: triggers['phase4/1']?.source === 'manual' ? 'manual' : 'orchestrator',
            firstCompletionAt: null,
            lastCompletionAt: null,
            handedOverAt: triggers['phase4/1']?.firedAt ?? '',
          },
        }
      : {}),
  });
}
