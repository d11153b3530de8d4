// The instants time-skipping tests move the server's clock to: late enough that what they wait for
// has happened, whatever the run did on the way.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pipeline } from '../../src/pipeline/definition';
import { zonedInstant } from '../../src/time';

const oneHour = 60 * 60_000;

/** By then the date's phase 5 has run its course: an hour after its SLA check. */
export function phase5Over(date: string): number {
  return zonedInstant(date, pipeline.phase5.slaCheckAt, pipeline.phase5.timeZone) + oneHour;
}

/** By then a run whose triggers have all gone out has closed: phase 5 over, then the quiet period. */
export async function completedBy(env: TestWorkflowEnvironment, date: string): Promise<number> {
  const now = await env.currentTimeMs();
  return Math.max(now, phase5Over(date)) + pipeline.lifetime.quietPeriodAfterLastTrigger + oneHour;
}

/** By then a run opened now that never completes has expired. */
export async function expiredBy(env: TestWorkflowEnvironment): Promise<number> {
  return (await env.currentTimeMs()) + pipeline.lifetime.maxOpenDuration + oneHour;
}
