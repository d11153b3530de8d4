// What the operators' commands share: who is asking, refusals that exit 2, the run's Web UI link,
// and sending an update to the date's run.
import os from 'node:os';
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { InvalidArgumentError } from 'commander';
import { workflowIdFor } from '../pipeline/ids';
import { triggerablePhaseOf, type TriggerablePhase } from '../date-run/commands';
import { UsageError } from './usage';

export { gameDate, UsageError } from './usage';
export { webUiLink } from './web-ui';

/** Recorded with every command: the operator's login on this host. */
export function whoAsked(): string {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (a container): the host still says where it came from
  }
  return `${user}@${os.hostname()}`;
}

export function triggerablePhase(value: string): TriggerablePhase {
  const phase = triggerablePhaseOf(value);
  if (!phase)
    throw new InvalidArgumentError(`unknown phase "${value}": one of phase3, phase4, phase5, phase6 (or 3–6)`);
  return phase;
}

export function reasonText(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError('a reason must say something');
  return value;
}

/** The date's latest run, or undefined when Temporal has none (never ran, or purged). */
export async function describeRun(client: Client, date: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await client.workflow.getHandle(workflowIdFor(date)).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Sends a command to the date's open run. A date with no open run, or a request the run refuses
 * (its validator, or a `RefusedCommand`), is bad usage.
 */
export async function commandOpenRun<Ret, Arg>(
  client: Client,
  date: string,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
): Promise<Ret> {
  const run = await describeRun(client, date);
  if (!run) throw new UsageError(`${date} has no run: nothing arrived for it yet, or Temporal has forgotten it`);
  if (run.status.name !== 'RUNNING') {
    throw new UsageError(
      `${date}'s run has closed (${run.status.name.toLowerCase()}); a closed date is rerun with: pipeline rerun ${date} --from-phase N --reason TEXT`,
    );
  }
  try {
    return await client.workflow.getHandle(workflowIdFor(date)).executeUpdate(update, { args: [arg] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      throw new UsageError(error.cause?.message ?? error.message);
    }
    throw error;
  }
}
