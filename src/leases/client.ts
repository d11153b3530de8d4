// How a processor (or anything outside Temporal) uses its lease on a date. Acquire is an
// update-with-start: the first processor of a date opens the date's run, as the bridge's
// signal-with-start does for a completion, and a date that closed is never opened again.
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { isCalendarDate } from '../time';
import { gameDayWorkflowType, workflowIdFor } from '../pipeline/ids';
import { acquireLeaseUpdate, releaseLeaseUpdate } from './updates';
import { GameDate, PipelinePhase } from '../temporal/search-attributes';
import { refuseAcquire, refuseRelease } from './requests';
import { type AcquireOutcome, type AcquireRequest, type ReleaseOutcome, type ReleaseRequest } from './table';

/** A request no run would take (not a date, unknown processor, no holder, TTL out of range): a bug in the caller. */
export class LeaseRequestError extends Error {}

/** Only a real date names a run: anything else would open `game-day-<whatever>`. */
function refuseDate(gameDate: string): void {
  if (!isCalendarDate(gameDate)) {
    throw new LeaseRequestError(`game date ${JSON.stringify(gameDate)} is not a calendar date YYYY-MM-DD`);
  }
}

/**
 * Asks for the processor's lease on `gameDate`, opening the date's run if nothing opened it yet.
 * Granted: run, then release (or publish the completion, which releases it). Refused: another run
 * holds it (`lease` says who, and until when) or the date has closed; do not run now.
 */
export async function acquireLease(
  client: Client,
  taskQueue: string,
  gameDate: string,
  request: AcquireRequest,
): Promise<AcquireOutcome> {
  refuseDate(gameDate);
  const refused = refuseAcquire(request);
  if (refused) throw new LeaseRequestError(refused);
  const workflowId = workflowIdFor(gameDate);
  const startWorkflowOperation = new WithStartWorkflowOperation<(input: { gameDate: string }) => Promise<unknown>>(
    gameDayWorkflowType,
    {
      workflowId,
      taskQueue,
      args: [{ gameDate }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      // A closed date stays closed: a deliberate rerun is its own, explicit command.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: GameDate, value: gameDate },
        { key: PipelinePhase, value: 'phase2' },
      ],
    },
  );
  try {
    return await client.workflow.executeUpdateWithStart(acquireLeaseUpdate, {
      args: [request],
      startWorkflowOperation,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      return { granted: false, reason: `${workflowId} has closed: no lease guards its processors any more` };
    }
    throw error;
  }
}

/** Ends the holder's lease. A date with no open run holds none. */
export async function releaseLease(client: Client, gameDate: string, request: ReleaseRequest): Promise<ReleaseOutcome> {
  refuseDate(gameDate);
  const refused = refuseRelease(request);
  if (refused) throw new LeaseRequestError(refused);
  try {
    return await client.workflow.getHandle(workflowIdFor(gameDate)).executeUpdate(releaseLeaseUpdate, {
      args: [request],
    });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      return { released: false, reason: `${workflowIdFor(gameDate)} has no open run` };
    }
    throw error;
  }
}
