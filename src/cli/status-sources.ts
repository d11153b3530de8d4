// Where `pipeline status` gets its answer: the live run's query first; when the run has closed,
// was purged or no worker answers, the run history (BigQuery) and Temporal's describe.
import type { BigQuery } from '@google-cloud/bigquery';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { eventsOfDate } from '../bigquery/run-events';
import { errorMessage } from '../errors';
import { closedRunOf } from '../bigquery/run-history';
import type { Completion, CompletionStatus } from '../messages/completion';
import type { RunEvent } from '../messages/run-event';
import type { PhaseKey } from '../pipeline/definition';
import { workflowIdFor } from '../pipeline/ids';
import { statusQuery } from '../workflows/game-day';
import { recordDelivery, type Received } from '../workflows/progress';
import { PipelinePhase } from '../workflows/search-attributes';
import type { StepFired } from '../workflows/signals';
import { notStartedStatus, statusOf, type GameDayStatus } from '../workflows/status';
import { describeRun, webUiLink } from './operator';

/** `live`: the run answered its query. `run-history`: rebuilt from BigQuery's events. `temporal`: describe only. */
export type StatusSourceName = 'live' | 'run-history' | 'temporal' | 'none';

export interface SourcedStatus extends GameDayStatus {
  source: StatusSourceName;
  /** Why the live answer was not used, when it was not. */
  source_note?: string;
  temporal_status?: string;
  web_ui: string;
}

/** How long the live run may take to answer before the fallbacks are asked. */
const queryDeadlineMs = 5_000;

export async function statusFromAnywhere(client: Client, date: string, bigquery?: BigQuery): Promise<SourcedStatus> {
  const web_ui = webUiLink(workflowIdFor(date));
  const run = await describeRun(client, date);
  let note = run ? undefined : 'Temporal has no run for the date (never ran, or past its retention)';
  if (run) {
    try {
      const live = await client.withDeadline(Date.now() + queryDeadlineMs, () =>
        client.workflow.getHandle(workflowIdFor(date)).query(statusQuery),
      );
      return { ...live, source: 'live', temporal_status: run.status.name, web_ui };
    } catch (error) {
      note = `the run did not answer its query (${errorMessage(error).split('\n')[0]}): is a worker up?`;
    }
  }
  const fromHistory = bigquery ? await statusFromRunHistory(bigquery, date).catch(() => undefined) : undefined;
  if (fromHistory) return { ...fromHistory, source: 'run-history', source_note: note, ...temporalOf(run), web_ui };
  if (run)
    return { ...statusFromDescribe(date, run), source: 'temporal', source_note: note, ...temporalOf(run), web_ui };
  return { ...notStartedStatus(date), source: 'none', source_note: note, web_ui };
}

const temporalOf = (run: WorkflowExecutionDescription | undefined) => (run ? { temporal_status: run.status.name } : {});

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
  let closed: 'completed' | 'expired' | 'late' | undefined;
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
  });
}

/** All Temporal can say without a worker: whether the run is open, and the phase it last showed. */
function statusFromDescribe(date: string, run: WorkflowExecutionDescription): GameDayStatus {
  const phase = run.typedSearchAttributes.get(PipelinePhase);
  return { ...notStartedStatus(date), waiting_on: phase ?? run.status.name.toLowerCase() };
}
