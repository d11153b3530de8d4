// The checks a lease request passes before a run takes it. Requests arrive as JSON from any
// processor: each check says what is wrong, or nothing. Pure, as the table's rules are.
import { pipeline } from '../pipeline/definition';
import { processorNamed, type AcquireRequest, type BreakRequest, type ReleaseRequest } from './table';

const { minTtl, maxTtl } = pipeline.leases;
const maxTextLength = 256;

export function refuseAcquire(request: AcquireRequest): string | undefined {
  const ttl = request?.ttl_seconds;
  const ttlRange = `${minTtl / 1000}–${maxTtl / 1000}`;
  return (
    refuseProcessor(request) ??
    refuseText('holder', request.holder) ??
    (ttl !== undefined && (!Number.isInteger(ttl) || ttl * 1000 < minTtl || ttl * 1000 > maxTtl)
      ? `ttl_seconds must be a whole number of seconds in ${ttlRange}, got ${JSON.stringify(ttl)}`
      : undefined)
  );
}

export function refuseRelease(request: ReleaseRequest): string | undefined {
  return refuseProcessor(request) ?? refuseText('holder', request.holder);
}

export function refuseBreak(request: BreakRequest): string | undefined {
  return (
    refuseProcessor(request) ?? refuseText('reason', request.reason) ?? refuseText('requested_by', request.requested_by)
  );
}

function refuseProcessor(request: { processor: string } | null | undefined): string | undefined {
  if (typeof request !== 'object' || request === null) return 'expected an object with processor and holder';
  const { processor } = request;
  if (typeof processor !== 'string' || !processorNamed(processor)) {
    return `unknown processor ${JSON.stringify(processor)} (see src/pipeline/definition.ts)`;
  }
  return undefined;
}

function refuseText(field: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.trim()) return `${field} is required`;
  if (value.length > maxTextLength) return `${field} is longer than ${maxTextLength} characters`;
  return undefined;
}
