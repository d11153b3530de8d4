// The date's children, as the run starts them: phase 4's cascade, phase 5 and the event-driven
// export. They are abandoned, not terminated, when the run continues as new (they report back by
// signal), and cancelled when the date closes.
import { pipeline } from '../pipeline/definition';
import * as wf from '@temporalio/workflow';
import { eventDrivenExport } from '../pipeline/exports';
import { exportWorkflowIdFor, rerunScope } from '../pipeline/ids';
import { exportWorkflow } from '../exports/workflow';
import { phase5Triggers, type GameDayState } from './state';
import { phase4CascadeWorkflow } from '../phase4/cascade';
import { phase5Workflow } from '../phase5/workflow';
import type { PushLevel, PushSource, StepFired } from '../date-run/signals';
import type { ExportOutcome } from '../date-run/status';

const childOptions = (workflowId: string, summary: string) => ({
  workflowId,
  parentClosePolicy: 'ABANDON' as const,
  workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' as const,
  staticSummary: summary,
});

/** A rerun's id scope, `rerun-<n>`; none for the date's first run. */
export const scopeOf = (state: GameDayState): string | undefined =>
  state.rerun ? rerunScope(state.rerun.attempt) : undefined;

export function startPhase5Child(state: GameDayState, workflowId: string, pushed?: PushSource): Promise<unknown> {
  return wf.startChild(phase5Workflow, {
    ...childOptions(workflowId, `Phase 5 (predictions) of ${state.gameDate}`),
    args: [
      {
        gameDate: state.gameDate,
        correlationId: state.slateCorrelationId ?? null,
        backfill: state.backfill,
        openedAt: state.openedAt,
        // A restarted phase 5 picks up where the failed one was.
        resume: {
          fired: phase5Triggers(state.triggers),
          phase4: state.phase4Done,
          predictionsComplete: !!state.acceptedPrediction,
        },
        ...(scopeOf(state) ? { scope: scopeOf(state) } : {}),
        ...(pushed ? { pushed } : {}),
        ...(state.schedule ? { schedule: state.schedule } : {}),
      },
    ],
  });
}

export function startPhase4Child(state: GameDayState, workflowId: string, pushed?: PushLevel): Promise<unknown> {
  return wf.startChild(phase4CascadeWorkflow, {
    ...childOptions(workflowId, `Phase 4 cascade (levels 1→3) of ${state.gameDate}`),
    args: [
      {
        gameDate: state.gameDate,
        correlationId: state.slateCorrelationId ?? null,
        resultsOf: state.slateInput?.resultsOf ?? null,
        backfill: state.backfill,
        received: {},
        ...(scopeOf(state) ? { scope: scopeOf(state) } : {}),
        ...(pushed ? { pushed } : {}),
      },
    ],
  });
}

/** The event-driven export of the date (or a re-export for a better batch), as a child run; what it wrote and what failed. */
export async function runEventDrivenExport(
  state: GameDayState,
  trigger: StepFired,
  {
    workflowId = exportWorkflowIdFor(state.gameDate, eventDrivenExport.set),
    prediction = state.acceptedPrediction,
  } = {},
): Promise<ExportOutcome> {
  try {
    const result = await wf.executeChild(exportWorkflow, {
      workflowId,
      parentClosePolicy: 'ABANDON',
      staticSummary: `Exports (tonight) of ${state.gameDate}`,
      args: [
        {
          export_types: [...eventDrivenExport.exportTypes],
          target_date: state.gameDate,
          update_latest: eventDrivenExport.updateLatest,
          trigger_source: trigger.source === 'manual' || trigger.source === 'rerun' ? trigger.source : 'orchestrator',
          triggered_by: pipeline.triggeredBy.phase6,
          correlation_id: state.slateCorrelationId ?? null,
          trigger_id: trigger.triggerId,
          timestamp: trigger.firedAt,
          upstream_batch_id: prediction?.batchId ?? null,
          upstream_predictions: prediction?.predictions ?? null,
        },
      ],
    });
    return { succeeded: [...result.succeeded], failed: result.failed.map((f) => f.export_type) };
  } catch (error) {
    wf.log.error('exports failed', { game_date: state.gameDate, error: String(error) });
    return { succeeded: [], failed: [...eventDrivenExport.exportTypes] };
  }
}

/** Cancels the children still running: each reports its end, so finished ones are left alone. */
export async function cancelChildren(state: GameDayState): Promise<void> {
  const stillRunning: Record<string, boolean> = { phase4: !state.phase4Done, phase5: !state.phase5Finished };
  for (const [key, id] of Object.entries(state.children)) {
    if (!stillRunning[key]) continue;
    try {
      await wf.getExternalWorkflowHandle(id).cancel();
    } catch {
      // it finished meanwhile
    }
  }
}
