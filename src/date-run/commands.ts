// Operators' commands on a date's run (`pipeline trigger`, `pipeline complete`, `pipeline rerun`):
// updates defined once here and shared with the CLI, with the pure checks both sides apply.
import * as wf from '@temporalio/workflow';
import { phaseDefinition, pipeline, type PhaseKey } from '../pipeline/definition';

/** Phases whose start the orchestrator triggers (phase 2 is started by the scrapers). */
export const triggerablePhases = ['phase3', 'phase4', 'phase5', 'phase6'] as const;
export type TriggerablePhase = (typeof triggerablePhases)[number];

/** Who asked and why: every command carries both, into the run's history and the run history. */
export interface Requested {
  reason: string;
  requestedBy: string;
}

export interface ManualTrigger extends Requested {
  phase: TriggerablePhase;
  /** Phase 4's level (default: the next one the cascade would fire). */
  level?: number;
  /** Fire again although it fired already, under a trigger id of its own. */
  again?: boolean;
}

export interface ManualCompletion extends Requested {
  processor: string;
}

/** A deliberate rerun of a closed date: its triggers carry `…/rerun-<attempt>/…` ids. */
export interface Rerun extends Requested {
  attempt: number;
  fromPhase: TriggerablePhase;
  /** The date's correlation id from its first run, so the rerun traces with it. */
  correlationId?: string | null;
}

export interface OperatorCommand extends Requested {
  command: 'trigger' | 'complete' | 'rerun';
  at: string;
  args: Record<string, unknown>;
}

export interface TriggerOutcome {
  outcome: 'fired' | 'already-fired' | 'skipped';
  key: string;
  triggerId: string;
  firedAt: string;
  source: string | null;
}

export interface CompletionOutcome {
  processor: string;
  phase: PhaseKey;
  /** False when the processor had already counted. */
  counted: boolean;
}

export const manualTriggerUpdate = wf.defineUpdate<TriggerOutcome, [ManualTrigger]>('manualTrigger');
export const manualCompletionUpdate = wf.defineUpdate<CompletionOutcome, [ManualCompletion]>('manualCompletion');

/** Why a command cannot be taken, before it reaches the run (the CLI) or as the update's validator. */
export function refuseRequest(request: Requested): string | undefined {
  if (!request.reason?.trim()) return 'a reason is required (--reason TEXT)';
  if (!request.requestedBy?.trim()) return 'who asked is required';
  return undefined;
}

export function refuseTrigger(request: ManualTrigger): string | undefined {
  const refused = refuseRequest(request);
  if (refused) return refused;
  if (!(triggerablePhases as readonly string[]).includes(request.phase)) {
    return `unknown phase "${request.phase}": one of ${triggerablePhases.join(', ')}`;
  }
  const levels = pipeline.phase4Levels.map((l) => l.level);
  if (request.level !== undefined) {
    if (request.phase !== 'phase4') return '--level applies to phase4 only';
    if (!levels.includes(request.level)) return `unknown phase 4 level ${request.level}: one of ${levels.join(', ')}`;
  }
  return undefined;
}

/** The phase a processor belongs to, or why the name is not one. */
export function processorPhase(name: string): { phase: PhaseKey } | { refused: string } {
  for (const phase of pipeline.phases) {
    if (phaseDefinition(phase.key).processors.some((p) => p.name === name)) return { phase: phase.key };
  }
  return { refused: `unknown processor "${name}" (see src/pipeline/definition.ts)` };
}

export function refuseCompletion(request: ManualCompletion): string | undefined {
  const found = processorPhase(request.processor);
  return refuseRequest(request) ?? ('refused' in found ? found.refused : undefined);
}

/** `phase3`, `3` → `phase3`; undefined for anything else. */
export function triggerablePhaseOf(text: string): TriggerablePhase | undefined {
  const key = /^\d$/.test(text) ? `phase${text}` : text;
  return (triggerablePhases as readonly string[]).includes(key) ? (key as TriggerablePhase) : undefined;
}
