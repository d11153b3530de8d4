// What clients call on a date's run to use its leases: updates and a query, defined once.
import * as wf from '@temporalio/workflow';
import type {
  AcquireOutcome,
  AcquireRequest,
  BreakOutcome,
  BreakRequest,
  BrokenLease,
  Lease,
  ReleaseOutcome,
  ReleaseRequest,
} from './table';

export const acquireLeaseUpdate = wf.defineUpdate<AcquireOutcome, [AcquireRequest]>('acquireLease');
export const releaseLeaseUpdate = wf.defineUpdate<ReleaseOutcome, [ReleaseRequest]>('releaseLease');
/** An operator's `pipeline leases break`: ends a lease whoever holds it, recorded with who and why. */
export const breakLeaseUpdate = wf.defineUpdate<BreakOutcome, [BreakRequest]>('breakLease');

export interface LeaseListing {
  game_date: string;
  leases: Lease[];
  broken: BrokenLease[];
}
export const leasesQuery = wf.defineQuery<LeaseListing>('leases');
