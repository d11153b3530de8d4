// The processing leases of one game date, as the table its run keeps: who runs which processor now,
// and until when. Pure rules with the time passed in, so the run applies them deterministically and
// tests check them without Temporal. Fields are snake_case: processors (Python too) send and read them.
import { pipeline } from '../pipeline/definition';

export interface Lease {
  /** The pipeline's name of the processor (an alias it published under is mapped to it). */
  processor: string;
  /** The processor run holding it; its `execution_id`, so that its completion message releases it. */
  holder: string;
  acquired_at: string;
  expires_at: string;
  ttl_seconds: number;
}

export interface BrokenLease extends Lease {
  broken_at: string;
  broken_by: string;
  reason: string;
}

export interface LeaseTable {
  /** At most one lease per processor. */
  held: Record<string, Lease>;
  /** The most recent breaks, oldest first. */
  broken: BrokenLease[];
}

export interface AcquireRequest {
  processor: string;
  holder: string;
  /** Default: the pipeline definition's. Acquiring again as the same holder renews the lease. */
  ttl_seconds?: number;
}

export interface ReleaseRequest {
  processor: string;
  holder: string;
}

export interface BreakRequest {
  processor: string;
  reason: string;
  requested_by: string;
}

export type AcquireOutcome =
  | { granted: true; lease: Lease; renewed: boolean }
  /** `lease` is the current holder's, when another run holds it. */
  | { granted: false; reason: string; lease?: Lease };

export type ReleaseOutcome = { released: true; lease: Lease } | { released: false; reason: string };

export type BreakOutcome = { broken: true; lease: BrokenLease } | { broken: false; reason: string };

const { defaultTtl, breaksKept } = pipeline.leases;

export function emptyLeaseTable(): LeaseTable {
  return { held: {}, broken: [] };
}

/** The pipeline's name of a processor, by its name or an alias; undefined when it is none of them. */
export function processorNamed(name: string): string | undefined {
  for (const phase of pipeline.phases) {
    const found = phase.processors.find((p) => p.name === name || p.aliases?.includes(name));
    if (found) return found.name;
  }
  return undefined;
}

/** Grants the processor's lease unless another run holds it; the holder acquiring again renews it. */
export function acquire(table: LeaseTable, request: AcquireRequest, now: number): AcquireOutcome {
  const processor = processorNamed(request.processor) ?? request.processor;
  const current = live(table, processor, now);
  if (current && current.holder !== request.holder) {
    return {
      granted: false,
      reason: `${processor} is held by ${current.holder} until ${current.expires_at}`,
      lease: current,
    };
  }
  const ttlSeconds = request.ttl_seconds ?? defaultTtl / 1000;
  const lease: Lease = {
    processor,
    holder: request.holder,
    acquired_at: current?.acquired_at ?? iso(now),
    expires_at: iso(now + ttlSeconds * 1000),
    ttl_seconds: ttlSeconds,
  };
  table.held[processor] = lease;
  return { granted: true, lease, renewed: current !== undefined };
}

/** Ends the holder's lease; another run's lease is left alone. */
export function release(table: LeaseTable, request: ReleaseRequest, now: number): ReleaseOutcome {
  const processor = processorNamed(request.processor) ?? request.processor;
  const current = live(table, processor, now);
  if (!current) return { released: false, reason: `${processor} holds no lease` };
  if (current.holder !== request.holder) {
    return { released: false, reason: `${processor}'s lease is held by ${current.holder}, not ${request.holder}` };
  }
  delete table.held[processor];
  return { released: true, lease: current };
}

/**
 * A processor's completion ends the lease of the run that sent it. A completion from another run
 * (a late message of an earlier one) leaves the current holder's lease alone.
 */
export function releaseOnCompletion(table: LeaseTable, processor: string, executionId: string): Lease | undefined {
  const current = table.held[processor];
  if (current?.holder !== executionId) return undefined;
  delete table.held[processor];
  return current;
}

/** An operator ends a lease whoever holds it; the break is kept with who and why. */
export function breakLease(table: LeaseTable, request: BreakRequest, now: number): BreakOutcome {
  const processor = processorNamed(request.processor) ?? request.processor;
  const current = live(table, processor, now);
  if (!current) return { broken: false, reason: `${processor} holds no lease` };
  delete table.held[processor];
  const broken: BrokenLease = {
    ...current,
    broken_at: iso(now),
    broken_by: request.requested_by,
    reason: request.reason,
  };
  table.broken.push(broken);
  table.broken.splice(0, table.broken.length - breaksKept);
  return { broken: true, lease: broken };
}

/** Removes the leases whose TTL has passed and returns them. */
export function expireLeases(table: LeaseTable, now: number): Lease[] {
  const expired = Object.values(table.held).filter((lease) => !isLive(lease, now));
  for (const lease of expired) delete table.held[lease.processor];
  return expired;
}

/** When the next lease ends by itself (ms since the epoch), if any is held. */
export function nextExpiry(table: LeaseTable): number | undefined {
  const ends = Object.values(table.held).map((lease) => Date.parse(lease.expires_at));
  return ends.length > 0 ? Math.min(...ends) : undefined;
}

/** The leases held now, by processor name. */
export function currentLeases(table: LeaseTable, now: number): Lease[] {
  return Object.values(table.held)
    .filter((lease) => isLive(lease, now))
    .sort((a, b) => (a.processor < b.processor ? -1 : 1));
}

function live(table: LeaseTable, processor: string, now: number): Lease | undefined {
  const lease = table.held[processor];
  return lease && isLive(lease, now) ? lease : undefined;
}

function isLive(lease: Lease, now: number): boolean {
  return Date.parse(lease.expires_at) > now;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
