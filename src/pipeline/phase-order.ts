// The order of the pipeline's phases: their place in the definition's list, never the order of
// their names as strings. Pure.
import { pipeline, type PhaseKey } from './definition';

/** Where a phase comes in the day: 0 for the first. */
export function phaseIndex(phase: PhaseKey): number {
  const index = pipeline.phases.findIndex((p) => p.key === phase);
  if (index < 0) throw new Error(`no phase ${phase} in the pipeline definition`);
  return index;
}

/** True when phase `a` comes before phase `b` in the day. */
export function isBefore(a: PhaseKey, b: PhaseKey): boolean {
  return phaseIndex(a) < phaseIndex(b);
}
