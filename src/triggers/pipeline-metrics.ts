// The pipeline's own metrics, emitted from workflow code through the SDK's workflow metric meter:
// Temporal drops them during replay, so each trigger and each latency is counted once, and the
// worker's Runtime exports them with the SDK's (worker /metrics). No commands: replay-safe.
import * as wf from '@temporalio/workflow';
import { pipeline, type LatencyTarget, type PhaseKey } from '../pipeline/definition';
import { completedAt, type Received } from '../date-run/progress';
import type { ResultsHandedOver, StepFired } from '../date-run/signals';

export function countTrigger(phase: string, source: string): void {
  wf.metricMeter.createCounter('pipeline_triggers', '1', 'Triggers published, by phase and source').add(1, {
    phase,
    trigger_source: source,
  });
}

/** The earliest completion received for `phase`, if any. */
export function firstReceivedAt(received: Received, phase: PhaseKey): string | undefined {
  const times = Object.values(received[phase] ?? {}).flatMap((p) => p.deliveries.map((d) => d.receivedAt));
  return times.length === 0 ? undefined : times.reduce((a, b) => (a < b ? a : b));
}

/** What a run knows when one of its triggers fires: its completions, and the results handed over to its slate. */
export interface LatencySource {
  received: Received;
  slateInput?: ResultsHandedOver;
}

/**
 * Where `target` starts: in the run's own completions, or — for a slate's trigger measured from the
 * results phases — in the hand-over (first phase 2 completion, or the phase 3 completion that made
 * the results complete).
 */
export function latencyStart(target: LatencyTarget, source: LatencySource): string | undefined {
  const triggerPhase = target.trigger.split('/')[0]!;
  const fromResults = pipeline.day.resultsPhases.includes(target.from);
  const triggerInSlate = triggerPhase !== 'phase3';
  if (fromResults && triggerInSlate) {
    const handover = source.slateInput;
    return (target.since === 'first' ? handover?.firstCompletionAt : handover?.lastCompletionAt) ?? undefined;
  }
  return target.since === 'first'
    ? firstReceivedAt(source.received, target.from)
    : lastCompletionAt(source.received, target.from);
}

/** The last completion of `phase`: when it became complete, else the latest one received. */
function lastCompletionAt(received: Received, phase: PhaseKey): string | undefined {
  const complete = completedAt(phase, received);
  if (complete) return complete;
  const times = Object.values(received[phase] ?? {}).flatMap((p) => p.deliveries.map((d) => d.receivedAt));
  return times.length === 0 ? undefined : times.reduce((a, b) => (a > b ? a : b));
}

/** Records every latency target that ends at `step` (a trigger just fired, or reported by a child). */
export function observeLatencies(source: LatencySource, step: StepFired): void {
  // The orchestrator's own decisions only: a backup deadline, an operator or a rerun decide otherwise.
  if (step.skipped || (step.source !== undefined && step.source !== 'orchestrator')) return;
  for (const target of pipeline.latencyTargets) {
    if (target.trigger !== step.key) continue;
    const from = latencyStart(target, source);
    if (from === undefined) continue;
    const seconds = (Date.parse(step.firedAt) - Date.parse(from)) / 1000;
    // Fired before the phase's first completion arrived (pushed by an operator, or reported late by a
    // child): no latency to record, and a negative one would fail the workflow task for good.
    if (seconds < 0) continue;
    const tags = { transition: target.name };
    wf.metricMeter
      .createHistogram('pipeline_latency_seconds', 'float', 's', 'Completion of the phase before to the trigger')
      .record(seconds, tags);
    wf.metricMeter
      .createGauge('pipeline_latency_target_seconds', 'float', 's', "The seed's target for each transition")
      .set(target.targetMs / 1000, tags);
    if (!target.countsAsMiss) continue;
    // Adding 0 on time keeps the series present, so a dashboard shows 0 misses rather than no data.
    wf.metricMeter
      .createCounter('pipeline_latency_over_target', '1', 'Days whose transition missed its target')
      .add(seconds * 1000 > target.targetMs ? 1 : 0, tags);
  }
}
