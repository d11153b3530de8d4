// The lease table's rules, without Temporal: who gets a processor's lease on a date, and when it ends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acquire,
  breakLease,
  currentLeases,
  emptyLeaseTable,
  expireLeases,
  nextExpiry,
  release,
  releaseOnCompletion,
} from '../../src/leases/table';
import { refuseAcquire, refuseBreak, refuseRelease } from '../../src/leases/requests';
import { pipeline } from '../../src/pipeline/definition';

const t0 = Date.parse('2026-02-04T15:00:06Z');
const seconds = (n: number) => n * 1000;
const summary = 'PlayerGameSummaryProcessor';

describe('processing lease table', () => {
  it('refuses a second run while the first holds the lease, naming the holder and when it ends', () => {
    const table = emptyLeaseTable();
    const first = acquire(table, { processor: summary, holder: 'run-1', ttl_seconds: 600 }, t0);
    assert.equal(first.granted, true);
    // The second instance started 18 seconds later.
    const second = acquire(table, { processor: summary, holder: 'run-2' }, t0 + seconds(18));
    assert.deepEqual(second, {
      granted: false,
      reason: `${summary} is held by run-1 until 2026-02-04T15:10:06.000Z`,
      lease: {
        processor: summary,
        holder: 'run-1',
        acquired_at: '2026-02-04T15:00:06.000Z',
        expires_at: '2026-02-04T15:10:06.000Z',
        ttl_seconds: 600,
      },
    });
  });

  it('grants it again once released, and only the holder releases it', () => {
    const table = emptyLeaseTable();
    acquire(table, { processor: summary, holder: 'run-1' }, t0);
    assert.deepEqual(release(table, { processor: summary, holder: 'run-2' }, t0 + 1), {
      released: false,
      reason: `${summary}'s lease is held by run-1, not run-2`,
    });
    assert.equal(release(table, { processor: summary, holder: 'run-1' }, t0 + 2).released, true);
    assert.deepEqual(release(table, { processor: summary, holder: 'run-1' }, t0 + 3), {
      released: false,
      reason: `${summary} holds no lease`,
    });
    assert.equal(acquire(table, { processor: summary, holder: 'run-2' }, t0 + 4).granted, true);
  });

  it('ends a lease at its TTL (the default is the seed’s 10 minutes)', () => {
    const table = emptyLeaseTable();
    const granted = acquire(table, { processor: summary, holder: 'crashed-run' }, t0);
    assert.ok(granted.granted);
    assert.equal(granted.lease.ttl_seconds, pipeline.leases.defaultTtl / 1000);
    assert.equal(nextExpiry(table), t0 + pipeline.leases.defaultTtl);
    const justBefore = t0 + pipeline.leases.defaultTtl - 1;
    assert.equal(acquire(table, { processor: summary, holder: 'next-run' }, justBefore).granted, false);
    assert.deepEqual(expireLeases(table, justBefore), []);
    const atTtl = t0 + pipeline.leases.defaultTtl;
    assert.deepEqual(currentLeases(table, atTtl), []);
    assert.equal(acquire(table, { processor: summary, holder: 'next-run' }, atTtl).granted, true);
  });

  it('expires what has passed its TTL and nothing else', () => {
    const table = emptyLeaseTable();
    acquire(table, { processor: summary, holder: 'a', ttl_seconds: 60 }, t0);
    acquire(table, { processor: 'TeamOffenseGameSummaryProcessor', holder: 'b', ttl_seconds: 120 }, t0);
    assert.deepEqual(
      expireLeases(table, t0 + seconds(60)).map((l) => l.holder),
      ['a'],
    );
    assert.equal(nextExpiry(table), t0 + seconds(120));
    assert.deepEqual(
      currentLeases(table, t0 + seconds(60)).map((l) => l.holder),
      ['b'],
    );
  });

  it('renews for the same holder: a later end, the same start', () => {
    const table = emptyLeaseTable();
    acquire(table, { processor: summary, holder: 'run-1', ttl_seconds: 60 }, t0);
    const renewed = acquire(table, { processor: summary, holder: 'run-1', ttl_seconds: 60 }, t0 + seconds(50));
    assert.ok(renewed.granted);
    assert.equal(renewed.renewed, true);
    assert.equal(renewed.lease.acquired_at, new Date(t0).toISOString());
    assert.equal(renewed.lease.expires_at, new Date(t0 + seconds(110)).toISOString());
  });

  it('keeps one lease per processor whatever name it asks under (aliases)', () => {
    const table = emptyLeaseTable();
    const granted = acquire(table, { processor: 'MLFeatureStoreProcessor', holder: 'run-1' }, t0);
    assert.ok(granted.granted);
    assert.equal(granted.lease.processor, 'ml_feature_store_v2');
    assert.equal(acquire(table, { processor: 'ml_feature_store_v2', holder: 'run-2' }, t0 + 1).granted, false);
  });

  it("releases on the holder's completion, not on a late completion of an earlier run", () => {
    const table = emptyLeaseTable();
    acquire(table, { processor: summary, holder: 'run-2' }, t0);
    assert.equal(releaseOnCompletion(table, summary, 'run-1'), undefined);
    assert.equal(currentLeases(table, t0).length, 1);
    assert.equal(releaseOnCompletion(table, summary, 'run-2')?.holder, 'run-2');
    assert.deepEqual(currentLeases(table, t0), []);
  });

  it('records a break with who and why, and keeps only the most recent breaks', () => {
    const table = emptyLeaseTable();
    assert.deepEqual(breakLease(table, { processor: summary, reason: 'stuck', requested_by: 'ops@host' }, t0), {
      broken: false,
      reason: `${summary} holds no lease`,
    });
    acquire(table, { processor: summary, holder: 'run-1' }, t0);
    const broken = breakLease(table, { processor: summary, reason: 'run-1 hung', requested_by: 'ops@host' }, t0 + 5);
    assert.ok(broken.broken);
    assert.deepEqual(
      { by: broken.lease.broken_by, why: broken.lease.reason, holder: broken.lease.holder },
      { by: 'ops@host', why: 'run-1 hung', holder: 'run-1' },
    );
    assert.equal(acquire(table, { processor: summary, holder: 'run-2' }, t0 + 6).granted, true);
    for (let i = 0; i < pipeline.leases.breaksKept + 5; i += 1) {
      acquire(table, { processor: summary, holder: `run-${i}` }, t0 + 10 + i);
      breakLease(table, { processor: summary, reason: `break ${i}`, requested_by: 'ops' }, t0 + 10 + i);
    }
    assert.equal(table.broken.length, pipeline.leases.breaksKept);
    assert.equal(table.broken.at(-1)!.reason, `break ${pipeline.leases.breaksKept + 4}`);
  });

  it('says what is wrong with a request', () => {
    assert.equal(refuseAcquire({ processor: summary, holder: 'run-1', ttl_seconds: 600 }), undefined);
    assert.match(
      refuseAcquire({ processor: 'NoSuchProcessor', holder: 'x' }) ?? '',
      /unknown processor "NoSuchProcessor"/,
    );
    assert.match(refuseAcquire({ processor: summary, holder: ' ' }) ?? '', /holder is required/);
    assert.match(refuseAcquire({ processor: summary, holder: 'x', ttl_seconds: 1 }) ?? '', /ttl_seconds .* 10–7200/);
    assert.match(refuseAcquire({ processor: summary, holder: 'x', ttl_seconds: 60.5 }) ?? '', /whole number/);
    assert.match(refuseAcquire(null as never) ?? '', /expected an object/);
    assert.match(refuseRelease({ processor: summary } as never) ?? '', /holder is required/);
    assert.match(refuseBreak({ processor: summary, reason: '', requested_by: 'ops' }) ?? '', /reason is required/);
  });
});
