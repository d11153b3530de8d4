import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calendarDateIn, resolveTargetDate } from '../../src/time';

describe('target dates', () => {
  it('reads today and yesterday as UTC dates around midnight UTC', () => {
    assert.equal(resolveTargetDate('today', new Date('2025-12-12T23:59:59Z'), 'UTC'), '2025-12-12');
    assert.equal(resolveTargetDate('today', new Date('2025-12-13T00:00:00Z'), 'UTC'), '2025-12-13');
    assert.equal(resolveTargetDate('yesterday', new Date('2025-12-13T10:00:00Z'), 'UTC'), '2025-12-12');
    assert.equal(resolveTargetDate('yesterday', new Date('2026-03-01T10:00:00Z'), 'UTC'), '2026-02-28');
  });

  it('keeps an explicit date and rejects one that is not a calendar date', () => {
    assert.equal(resolveTargetDate('2025-12-01', new Date('2030-01-01T00:00:00Z'), 'UTC'), '2025-12-01');
    assert.throws(() => resolveTargetDate('2025-02-30', new Date(), 'UTC'), /YYYY-MM-DD, today or yesterday/);
    assert.throws(() => resolveTargetDate('tomorrow', new Date(), 'UTC'), /got "tomorrow"/);
  });

  it('reads the game date in Los Angeles, in winter and in summer time', () => {
    // The opener fires at 08:05 UTC: after midnight in Los Angeles all year.
    assert.equal(calendarDateIn('America/Los_Angeles', new Date('2025-12-13T08:05:00Z')), '2025-12-13'); // 00:05 PST
    assert.equal(calendarDateIn('America/Los_Angeles', new Date('2025-04-13T08:05:00Z')), '2025-04-13'); // 01:05 PDT
    // 07:05 UTC would still be the day before in winter.
    assert.equal(calendarDateIn('America/Los_Angeles', new Date('2025-12-13T07:05:00Z')), '2025-12-12'); // 23:05 PST
    // A late West-coast game (10:30 PM PT) still belongs to its evening.
    assert.equal(calendarDateIn('America/Los_Angeles', new Date('2025-12-13T06:30:00Z')), '2025-12-12');
  });
});
