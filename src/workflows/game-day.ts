// One durable run per game date: it collects every processor's completion and decides, once,
// when each phase is complete and the next one may start. Phase 4's cascade and phase 5 run as
// child workflows; they report back by signal, so the run can continue as new at any point.
import { msToNumber } from '@temporalio/common/lib/time';
import * as wf from '@temporalio/workflow';
import type { Completion } from '../messages/completion';
import { pipeline, type PhaseKey } from '../pipeline/definition';
import { eventDrivenExport, exportWorkflowIdFor } from '../pipeline/exports';
import { zonedInstant } from '../pipeline/time';
import type { Trigger } from '../messages/trigger';
import { exportWorkflow } from './export';
import { fireOnce, type Unstamped } from './fire';
import { phase6Verdict } from './gate';
import { phase4CascadeWorkflow, phase4CascadeWorkflowId } from './phase4-cascade';
import { phase5Workflow, phase5WorkflowId } from './phase5';
import { phaseProgress, recordDelivery, type Received } from './progress';
import { BackfillMode, CorrelationId, GameDate, PipelinePhase } from './search-attributes';
import {
  backfillSignal,
  completionSignal,
  openSignal,
  phase4DoneSignal,
  phase5FinishedSignal,
  predictionsCompleteSignal,
  statusQuery,
  stepFiredSignal,
  type Phase4Done,
  type StepFired,
} from './signals';
import { statusOf, waitingOnOf, type ExportOutcome } from './status';

export { completionSignal, openSignal, statusQuery } from './signals';

export interface GameDayInput {
  gameDate: string;
  /** Carried across continue-as-new; absent on the first run. */
  state?: GameDayState;
}

export interface GameDayState {
  gameDate: string;
  openedAt: string;
  correlationId?: string;
  backfill: boolean;
  received: Received;
  /** Every trigger published (or skipped in backfill) for the date, by key: `phase3`, `phase4/1`, … */
  triggers: Record<string, StepFired>;
  /** Children started, by key. */
  children: Record<string, string>;
  phase4Done?: Phase4Done;
  /** The prediction completion that passed the 5→6 gate. */
  acceptedPrediction?: { batchId: string | null; predictions: number | null; completionPct: number };
  /** Prediction completions the 5→6 gate turned away, with why. */
  rejectedPredictions: string[];
  /** Phase 4 completions that arrived while the cascade was not running yet: handed over once it is. */
  phase4Backlog: Completion[];
  exports?: ExportOutcome;
  /** Phase 5's retries and SLA check are behind it. */
  phase5Finished?: boolean;
  closed?: 'completed' | 'expired';
  deliveriesSeen: number;
}

export type GameDayOutcome = 'completed' | 'expired';

export async function gameDayWorkflow(input: GameDayInput): Promise<GameDayOutcome> {
  const state: GameDayState = input.state ?? {
    gameDate: input.gameDate,
    openedAt: new Date().toISOString(),
    backfill: false,
    received: {},
    triggers: {},
    children: {},
    rejectedPredictions: [],
    phase4Backlog: [],
    deliveriesSeen: 0,
  };
  const { gameDate } = state;
  // A date closes at the latest some days after it began or after its run opened, whichever is later.
  const dayBegins = zonedInstant(gameDate, '00:00', pipeline.phase5.timeZone);
  const deadline = Math.max(Date.parse(state.openedAt), dayBegins) + msToNumber(pipeline.lifetime.maxOpenDuration);

  wf.setHandler(completionSignal, record);
  wf.setHandler(openSignal, () => undefined);
  wf.setHandler(statusQuery, () => statusOf(state));
  wf.setHandler(stepFiredSignal, (step) => {
    state.triggers[step.key] ??= step;
    refreshPhase();
  });
  wf.setHandler(phase5FinishedSignal, () => {
    state.phase5Finished = true;
  });
  wf.setHandler(phase4DoneSignal, async (done) => {
    state.phase4Done ??= done;
    await signalChild('phase5', phase4DoneSignal, done);
  });

  async function record(completion: Completion): Promise<void> {
    state.deliveriesSeen += 1;
    if (!recordDelivery(state.received, completion, new Date().toISOString())) return;
    if (!state.correlationId && completion.correlationId) {
      state.correlationId = completion.correlationId;
      wf.upsertSearchAttributes([{ key: CorrelationId, value: completion.correlationId }]);
    }
    if (completion.skipDownstreamTrigger && !state.backfill) {
      state.backfill = true;
      wf.upsertSearchAttributes([{ key: BackfillMode, value: true }]);
      await Promise.all([signalChild('phase4', backfillSignal), signalChild('phase5', backfillSignal)]);
    }
    if (completion.phase === 'phase4') {
      if (state.children.phase4) await signalChild('phase4', completionSignal, completion);
      else state.phase4Backlog.push(completion);
    }
    if (completion.phase === 'phase5' && !state.acceptedPrediction) {
      const verdict = phase6Verdict(completion);
      if (verdict.accepted) {
        state.acceptedPrediction = verdict;
        await signalChild('phase5', predictionsCompleteSignal);
      } else {
        state.rejectedPredictions.push(verdict.reason);
        wf.log.info('prediction completion turned away by the 5→6 gate', { game_date: gameDate, reason: verdict.reason });
      }
    }
  }

  /** Signals a running child; a child that already finished needs nothing more. */
  async function signalChild<Args extends unknown[]>(key: string, signal: wf.SignalDefinition<Args>, ...args: Args) {
    const id = state.children[key];
    if (!id) return;
    try {
      await wf.getExternalWorkflowHandle(id).signal(signal, ...args);
    } catch (error) {
      wf.log.debug('child no longer running', { child: id, error: String(error) });
    }
  }

  const childIds: Record<string, string> = {
    phase4: phase4CascadeWorkflowId(gameDate),
    phase5: phase5WorkflowId(gameDate),
  };
  /** Starts a child once. Abandoned, not terminated, on continue-as-new; cancelled when the date closes. */
  async function startChildOnce(key: string, start: () => Promise<unknown>): Promise<void> {
    if (state.children[key]) return;
    await start();
    state.children[key] = childIds[key]!;
  }
  const childOptions = (key: string) => ({
    workflowId: childIds[key]!,
    parentClosePolicy: 'ABANDON' as const,
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' as const,
  });

  /** Waits until `ready`; false when the date's time ran out first. Continues as new on a long history. */
  async function waitUntil(ready: () => boolean): Promise<boolean> {
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return ready();
      const settled = await wf.condition(() => ready() || historyTooLong(), remaining);
      if (ready()) return true;
      if (!settled) return false;
      await continueAsNew();
    }
  }

  async function continueAsNew(): Promise<never> {
    await wf.condition(wf.allHandlersFinished);
    return wf.continueAsNew<typeof gameDayWorkflow>({ gameDate, state });
  }

  async function fire(key: string, topic: string, message: Unstamped<Trigger>): Promise<void> {
    await fireOnce(state.triggers, key, state.backfill, topic, message);
    refreshPhase();
  }

  let phaseShown = '';
  function refreshPhase(): void {
    const phase = waitingOnOf(state);
    if (phase === phaseShown) return;
    phaseShown = phase;
    wf.upsertSearchAttributes([{ key: PipelinePhase, value: phase }]);
  }

  wf.upsertSearchAttributes([{ key: GameDate, value: gameDate }]);
  refreshPhase();

  // Phase 5 runs from the start, so its deadlines hold even if nothing upstream ever arrives.
  await startChildOnce('phase5', () =>
    wf.startChild(phase5Workflow, {
      ...childOptions('phase5'),
      args: [{ gameDate, correlationId: state.correlationId ?? null, backfill: state.backfill, openedAt: state.openedAt }],
    }),
  );
  if (state.phase4Done) await signalChild('phase5', phase4DoneSignal, state.phase4Done);

  const [upstream, downstream] = await Promise.all([
    // Phases 2 → 3 → 4: all 21 raw processors, one phase 3 trigger; all 5 analytics processors, the cascade.
    (async () => {
      if (!(await waitUntil(() => phaseProgress('phase2', state.received).complete))) return false;
      await fire('phase3', pipeline.topics.phase3Trigger, {
        game_date: gameDate,
        correlation_id: state.correlationId ?? null,
        trigger_source: 'orchestrator',
        triggered_by: pipeline.triggeredBy.phase3,
        upstream_processors_count: phaseProgress('phase2', state.received).completed.length,
        phase: 'phase3',
      });
      if (!(await waitUntil(() => phaseProgress('phase3', state.received).complete))) return false;
      await startChildOnce('phase4', () =>
        wf.startChild(phase4CascadeWorkflow, {
          ...childOptions('phase4'),
          args: [{ gameDate, correlationId: state.correlationId ?? null, backfill: state.backfill, received: {} }],
        }),
      );
      for (const completion of state.phase4Backlog.splice(0)) await signalChild('phase4', completionSignal, completion);
      return waitUntil(() => state.phase4Done !== undefined);
    })(),
    // Phase 5 → 6: the first prediction completion through the gate starts the exports, once.
    (async () => {
      if (!(await waitUntil(() => state.acceptedPrediction !== undefined))) return false;
      const prediction = state.acceptedPrediction!;
      await fire('phase6', pipeline.topics.phase6ExportTrigger, {
        game_date: gameDate,
        correlation_id: state.correlationId ?? null,
        trigger_source: 'orchestrator',
        triggered_by: eventDrivenExport.triggeredBy,
        upstream_processors_count: 1,
        phase: 'phase6',
        export_types: [...eventDrivenExport.exportTypes],
        target_date: gameDate,
        update_latest: eventDrivenExport.updateLatest,
        upstream_batch_id: prediction.batchId,
        upstream_predictions: prediction.predictions,
      });
      if (!state.backfill) await runExports();
      return true;
    })(),
  ]);

  const finished = upstream && downstream && (await waitUntil(() => state.phase5Finished === true));
  if (finished) await closeWhenQuiet();
  state.closed = finished ? 'completed' : 'expired';
  if (state.closed === 'expired') {
    wf.log.warn('game day closed before completing', { game_date: gameDate, waiting_on: waitingOnOf(state) });
  }
  refreshPhase();
  await cancelChildren();
  return state.closed;

  async function runExports(): Promise<void> {
    const trigger = state.triggers.phase6!;
    try {
      const result = await wf.executeChild(exportWorkflow, {
        workflowId: exportWorkflowIdFor(gameDate, eventDrivenExport.set),
        parentClosePolicy: 'ABANDON',
        args: [
          {
            export_types: [...eventDrivenExport.exportTypes],
            target_date: gameDate,
            update_latest: eventDrivenExport.updateLatest,
            trigger_source: 'orchestrator',
            triggered_by: eventDrivenExport.triggeredBy,
            correlation_id: state.correlationId ?? null,
            trigger_id: trigger.triggerId,
            timestamp: trigger.firedAt,
            upstream_batch_id: state.acceptedPrediction?.batchId ?? null,
            upstream_predictions: state.acceptedPrediction?.predictions ?? null,
          },
        ],
      });
      state.exports = { succeeded: [...result.succeeded], failed: result.failed.map((f) => f.export_type) };
    } catch (error) {
      wf.log.error('exports failed', { game_date: gameDate, error: String(error) });
      state.exports = { succeeded: [], failed: [...eventDrivenExport.exportTypes] };
    }
    refreshPhase();
  }

  /** Stays open while deliveries keep arriving (late duplicates), then lets the date close. */
  async function closeWhenQuiet(): Promise<void> {
    const quiet = msToNumber(pipeline.lifetime.quietPeriodAfterLastTrigger);
    for (;;) {
      const seen = state.deliveriesSeen;
      const heardMore = await wf.condition(() => state.deliveriesSeen !== seen || historyTooLong(), quiet);
      if (!heardMore) return;
      if (historyTooLong()) await continueAsNew();
    }
  }

  /** Cancels the children still running: each reports its end, so finished ones are left alone. */
  async function cancelChildren(): Promise<void> {
    const stillRunning = { phase4: !state.phase4Done, phase5: !state.phase5Finished };
    for (const [key, id] of Object.entries(state.children)) {
      if (!stillRunning[key as keyof typeof stillRunning]) continue;
      try {
        await wf.getExternalWorkflowHandle(id).cancel();
      } catch {
        // it finished meanwhile
      }
    }
  }
}

function historyTooLong(): boolean {
  const info = wf.workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= pipeline.lifetime.continueAsNewAfterEvents;
}

export type { PhaseKey };
