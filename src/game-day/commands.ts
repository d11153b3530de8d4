// Operators' commands on the date's run. Each is recorded (the update's arguments in the run's
// history, a `command` event in the run history) and then goes through the same once-per-key
// steps as the rules, so an operator racing a real completion still fires once.
import * as wf from '@temporalio/workflow';
import type { Completion } from '../messages/completion';
import { pipeline } from '../pipeline/definition';
import { eventDrivenExport } from '../pipeline/exports';
import { exportWorkflowIdFor, triggerKeys } from '../pipeline/ids';
import { runEventDrivenExport } from './children';
import {
  processorPhase,
  type CompletionOutcome,
  type ManualCompletion,
  type ManualTrigger,
  type OperatorCommand,
  type Requested,
  type Rerun,
  type TriggerOutcome,
} from '../date-run/commands';
import type { GameDay } from './run';
import { phase3Trigger, phase6Trigger } from './triggers';
import { phaseProgress } from '../date-run/progress';
import { pushLevelSignal, pushPhase5Signal, type StepFired } from '../date-run/signals';

/** A command the run cannot take as asked: the CLI shows its message and exits 2. */
export const refusedCommandType = 'RefusedCommand';
const refused = (message: string) => wf.ApplicationFailure.nonRetryable(message, refusedCommandType);

export async function manualTrigger(day: GameDay, request: ManualTrigger): Promise<TriggerOutcome> {
  const result = await triggerAsAsked(day, request);
  await day.steps.writeEvents();
  return result;
}

async function triggerAsAsked(day: GameDay, request: ManualTrigger): Promise<TriggerOutcome> {
  const { state } = day;
  if (state.closed) throw refused(`${day.gameDate} has closed (${state.closed}); use pipeline rerun`);
  const { phase, again = false } = request;
  note(day, 'trigger', request, { phase, ...(request.level ? { level: request.level } : {}), again });
  if (phase === 'phase3' || phase === 'phase6') {
    const key = again && state.triggers[phase] ? againKey(state.triggers, phase) : phase;
    const before = state.triggers[key];
    if (before) return outcome(before, false);
    const [topic, message] =
      phase === 'phase3'
        ? [pipeline.topics.phase3Trigger, phase3Trigger(state, 'manual')]
        : [pipeline.topics.phase6ExportTrigger, phase6Trigger(state, 'manual')];
    const fired = await day.steps.fire(key, topic, message);
    // The bridge leaves the run's own phase 6 triggers to the run: a second export is run here.
    if (phase === 'phase6' && key !== phase && !fired.skipped) await exportAgain(day, fired);
    return outcome(fired, true);
  }
  if (again)
    throw refused(`--again applies to phase3 and phase6; ${phase}'s children fire each of their triggers once`);
  if (phase === 'phase5') {
    if (state.triggers.phase5) return outcome(state.triggers.phase5, false);
    if (!state.children.phase5) throw refused(`phase 5 of ${day.gameDate} is not running`);
    await day.steps.signalChild('phase5', pushPhase5Signal, 'manual');
    return awaitFired(day, triggerKeys.phase5);
  }
  // Phase 4: the cascade fires levels in order, so only the level it waits on next can be pushed.
  const next = pipeline.phase4Levels.find((l) => !state.triggers[triggerKeys.phase4Level(l.level)])?.level;
  const level = request.level ?? next ?? pipeline.phase4Levels[pipeline.phase4Levels.length - 1]!.level;
  const key = triggerKeys.phase4Level(level);
  if (state.triggers[key]) return outcome(state.triggers[key], false);
  if (level !== next) throw refused(`phase 4 fires level ${next} next; level ${level} cannot be pushed before it`);
  if (state.children.phase4) await day.steps.signalChild('phase4', pushLevelSignal, { level, source: 'manual' });
  else await day.startPhase4({ level, source: 'manual' });
  return awaitFired(day, key);
}

export async function manualCompletion(day: GameDay, request: ManualCompletion): Promise<CompletionOutcome> {
  const { state } = day;
  if (state.closed) throw refused(`${day.gameDate} has closed (${state.closed}); use pipeline rerun`);
  const found = processorPhase(request.processor);
  if ('refused' in found) throw refused(found.refused);
  const { phase } = found;
  note(day, 'complete', request, { processor: request.processor });
  const countedBefore = phaseProgress(phase, state.received).completed.includes(request.processor);
  const completion: Completion = {
    phase,
    processor: request.processor,
    gameDate: day.gameDate,
    status: 'success',
    executionId: `manual/${state.commands.length}`,
    ...(state.correlationId ? { correlationId: state.correlationId } : {}),
    skipDownstreamTrigger: false,
    // An operator vouches for the whole of it (a prediction batch passes the 5→6 gate).
    metadata: { manual: true, reason: request.reason, requested_by: request.requestedBy, completion_pct: 100 },
  };
  await day.receive(completion);
  await day.steps.writeEvents();
  return { processor: request.processor, phase, counted: !countedBefore };
}

/** The rerun's own record, as its first event. */
export function noteRerun(day: GameDay, rerun: Rerun): void {
  note(day, 'rerun', rerun, { attempt: rerun.attempt, from_phase: rerun.fromPhase });
}

function note(day: GameDay, command: OperatorCommand['command'], request: Requested, args: Record<string, unknown>) {
  const at = new Date().toISOString();
  day.state.commands.push({ command, reason: request.reason, requestedBy: request.requestedBy, at, args });
  day.events.note({
    kind: 'command',
    phase: typeof args.phase === 'string' ? args.phase : null,
    processor: typeof args.processor === 'string' ? args.processor : null,
    triggerSource: 'manual',
    detail: { command, reason: request.reason, requested_by: request.requestedBy, ...args },
  });
}

/** Tonight's files exported once more, as an export run of its own (`export-<date>-tonight/manual-<n>`). */
async function exportAgain(day: GameDay, fired: StepFired): Promise<void> {
  const again = fired.key.slice(fired.key.lastIndexOf('/') + 1);
  await day.steps.step(async () => {
    const result = await runEventDrivenExport(day.state, fired, {
      workflowId: `${exportWorkflowIdFor(day.gameDate, eventDrivenExport.set)}/${again}`,
    });
    day.events.note({ kind: 'trigger', phase: 'phase6', detail: { key: fired.key, exported: result } });
  });
}

/** The key of one more manual firing of a trigger that already went out: `<key>/manual-<n>`. */
function againKey(triggers: Record<string, StepFired>, key: string): string {
  const earlier = Object.keys(triggers).filter((k) => k.startsWith(`${key}/manual-`)).length;
  return `${key}/manual-${earlier + 1}`;
}

/** A child fires and reports back by signal; the command answers once the report is in. */
async function awaitFired(day: GameDay, key: string): Promise<TriggerOutcome> {
  await wf.condition(() => day.state.triggers[key] !== undefined);
  const step = day.state.triggers[key]!;
  return outcome(step, step.source === 'manual');
}

function outcome(step: StepFired, firedNow: boolean): TriggerOutcome {
  return {
    outcome: !firedNow ? 'already-fired' : step.skipped ? 'skipped' : 'fired',
    key: step.key,
    triggerId: step.triggerId,
    firedAt: step.firedAt,
    source: step.source ?? null,
  };
}
