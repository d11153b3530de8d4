// The run's events for the run history: noted as things happen (kept in the carried state) and
// written in batches by an activity — never lost to a continue-as-new, and never in the way of a
// trigger. A write that keeps failing past its deadline raises an alert and the run goes on; the
// events wait (a bounded number of them) for the next try.
import * as wf from '@temporalio/workflow';
import type { RunHistoryActivities } from '../run-history/activities';
import type { Alert } from '../alerts/alert';
import type { Completion } from '../messages/completion';
import type { CompletionVerdict, RunEvent } from '../messages/run-event';
import { pipeline, type PhaseKey } from '../pipeline/definition';
import { sendAlert } from '../alerts/workflow';
import { failureMessage } from '../temporal/failure';
import type { GameDayState } from './state';
import { untilItWorks } from '../temporal/activity-options';
import type { StepFired } from '../date-run/signals';

const { recordRunEvents } = wf.proxyActivities<RunHistoryActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: pipeline.runHistory.writeDeadline,
  retry: untilItWorks,
});

/** Most events one write carries (a request stays small). */
const writeAtMost = 500;

export type NewEvent = Omit<RunEvent, 'eventId' | 'gameDate' | 'at' | 'correlationId'> & {
  correlationId?: string | null;
};

export class RunEventLog {
  /** The write under way: writes take turns, so two never take the same events. */
  private writing: Promise<boolean> | undefined;
  /** A step asked for its record to be written: the writer takes it without waiting for a full batch. */
  private wanted = false;
  /** After a write gave up, the writer waits until then before trying again. */
  private retryAt = 0;
  /** The run alerted that its history cannot be written; it alerts again only after a write succeeds. */
  private alerted = false;

  constructor(private readonly state: GameDayState) {}

  note(event: NewEvent): void {
    const { state } = this;
    const { workflowId, firstExecutionRunId } = wf.workflowInfo();
    state.eventSequence += 1;
    state.events.push({
      ...event,
      eventId: `${workflowId}/${firstExecutionRunId}/${state.eventSequence}`,
      gameDate: state.gameDate,
      correlationId: event.correlationId ?? chainOf(state, event.phase) ?? null,
      at: new Date().toISOString(),
    });
    this.keepAtMost(pipeline.runHistory.keepUnwrittenAtMost);
  }

  completion(completion: Completion, verdict: CompletionVerdict, reason?: string): void {
    this.note({
      kind: 'completion',
      correlationId: completion.correlationId ?? null,
      phase: completion.phase,
      processor: completion.processor,
      detail: {
        verdict,
        ...(reason ? { reason } : {}),
        execution_id: completion.executionId,
        status: completion.status,
        ...(completion.metadata?.completion_pct === undefined
          ? {}
          : { completion_pct: completion.metadata.completion_pct }),
      },
    });
  }

  trigger(step: StepFired, phase: string, more: Record<string, unknown> = {}): void {
    this.note({
      kind: 'trigger',
      phase,
      triggerId: step.triggerId,
      triggerSource: step.source ?? null,
      detail: { key: step.key, fired: !step.skipped, ...(step.skipped ? { skipped: 'backfill' } : {}), ...more },
    });
  }

  /**
   * Unwritten events beyond `limit` are dropped (and counted), oldest completions first: while the
   * history cannot be written, a storm of deliveries must not grow the carried state without end.
   */
  keepAtMost(limit: number): void {
    const { events } = this.state;
    let excess = events.length - limit;
    if (excess <= 0) return;
    this.state.eventsDropped = (this.state.eventsDropped ?? 0) + excess;
    for (let i = 0; i < events.length && excess > 0;) {
      if (events[i]!.kind === 'completion') {
        events.splice(i, 1);
        excess -= 1;
      } else i += 1;
    }
    if (excess > 0) events.splice(0, excess);
  }

  /** Asks the run's writer to write what was noted, without waiting for it. */
  requestWrite(): void {
    this.wanted = true;
  }

  /** Something to write now: a full batch, or a step's record. */
  get due(): boolean {
    const { length } = this.state.events;
    return length >= pipeline.runHistory.eventBatchSize || (this.wanted && length > 0);
  }

  /**
   * Writes what was noted, waiting at most the write's deadline: true when everything is written.
   * It never throws; a write that gave up raises an alert and leaves the events for a later try.
   */
  async write(): Promise<boolean> {
    while (this.writing) await this.writing;
    this.writing = this.drain();
    try {
      return await this.writing;
    } finally {
      this.writing = undefined;
    }
  }

  /**
   * The run's writer: writes whenever something is due, a failed write waited out first. Each write
   * is a step, so the run never continues as new in the middle of one.
   */
  async writeWhenDue(step: (act: () => Promise<boolean>) => Promise<boolean>): Promise<never> {
    for (;;) {
      await wf.condition(() => this.due);
      const failedWrite = this.retryAt - Date.now();
      if (failedWrite > 0) {
        await wf.sleep(failedWrite);
        continue;
      }
      this.wanted = false;
      await step(() => this.write());
    }
  }

  private async drain(): Promise<boolean> {
    const { events } = this.state;
    while (events.length > 0) {
      const batch = events.slice(0, writeAtMost);
      try {
        await recordRunEvents(batch);
      } catch (error) {
        this.retryAt = Date.now() + pipeline.runHistory.retryFailedWriteAfter;
        this.wanted = true; // the writer tries again once the wait is over
        await this.alertOnce(error);
        return false;
      }
      // Remove what was written by id: events may have been dropped while the write was under way.
      const written = new Set(batch.map((e) => e.eventId));
      events.splice(0, events.length, ...events.filter((e) => !written.has(e.eventId)));
    }
    this.retryAt = 0;
    this.alerted = false;
    return true;
  }

  private async alertOnce(error: unknown): Promise<void> {
    const reason = failureMessage(error);
    wf.log.error('run history not written; the run goes on', { game_date: this.state.gameDate, error: reason });
    if (this.alerted) return;
    this.alerted = true;
    const deadline = pipeline.runHistory.writeDeadline / 60_000;
    await raiseRunAlert(this, this.state, {
      kind: 'run-history-failing',
      severity: 'warning',
      title: `run history not written for ${deadline} min: the run goes on, its events wait`,
      details: { reason, unwritten_events: this.state.events.length, dropped_events: this.state.eventsDropped ?? 0 },
    });
  }
}

/** An alert about the run's own bookkeeping, noted and sent; a route that is down is logged, never thrown. */
export async function raiseRunAlert(
  events: RunEventLog,
  state: GameDayState,
  alert: Omit<Alert, 'game_date'>,
): Promise<void> {
  events.note({ kind: 'alert', detail: { kind: alert.kind, severity: alert.severity, title: alert.title } });
  await sendAlert({ correlation_id: state.correlationId ?? null, ...alert, game_date: state.gameDate }).catch(
    (error: unknown) =>
      wf.log.error('alert not delivered', {
        game_date: state.gameDate,
        kind: alert.kind,
        error: failureMessage(error),
      }),
  );
}

/** The slate's steps belong to the chain handed over to it; the results' to the date's own. */
const chainOf = (state: GameDayState, phase: string | null | undefined) =>
  phase && pipeline.day.slatePhases.includes(phase as PhaseKey) ? state.slateCorrelationId : state.correlationId;
