// The run's events for the run history: noted as things happen (kept in the carried state) and
// written in batches by an activity, as a step of the run — never lost to a continue-as-new.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Completion } from '../messages/completion';
import type { CompletionVerdict, RunEvent } from '../messages/run-event';
import { pipeline, type PhaseKey } from '../pipeline/definition';
import type { GameDayState } from './game-day-state';
import { untilItWorks } from './retry';
import type { StepFired } from './signals';

const { recordRunEvents } = wf.proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: untilItWorks });

/** Most events one write carries (a query's parameters stay small). */
const writeAtMost = 500;

export type NewEvent = Omit<RunEvent, 'eventId' | 'gameDate' | 'at' | 'correlationId'> & {
  correlationId?: string | null;
};

export class RunEventLog {
  /** The write under way: writes take turns, so two never take the same events. */
  private writing: Promise<void> | undefined;

  constructor(private readonly state: GameDayState) {}

  note(event: NewEvent): void {
    const { state } = this;
    const { workflowId, firstExecutionRunId } = wf.workflowInfo();
    state.eventSequence += 1;
    state.events.push({
      ...event,
      eventId: `${workflowId}/${firstExecutionRunId}/${state.eventSequence}`,
      gameDate: state.gameDate,
      // The slate's steps belong to the chain handed over to it; the results' to the date's own.
      correlationId:
        event.correlationId ??
        (event.phase && pipeline.day.slatePhases.includes(event.phase as PhaseKey)
          ? state.slateCorrelationId
          : state.correlationId) ??
        null,
      at: new Date().toISOString(),
    });
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

  /** Enough noted to write without waiting for the run's next step. */
  get due(): boolean {
    return this.state.events.length >= pipeline.runHistory.eventBatchSize;
  }

  /** Writes what was noted. Call it inside a step: the events leave the carried state only as they are written. */
  async write(): Promise<void> {
    while (this.writing) await this.writing;
    this.writing = this.drain();
    try {
      await this.writing;
    } finally {
      this.writing = undefined;
    }
  }

  private async drain(): Promise<void> {
    const { events } = this.state;
    while (events.length > 0) {
      const batch = events.slice(0, writeAtMost);
      await recordRunEvents(batch);
      events.splice(0, batch.length);
    }
  }
}
