// Wall-clock deadlines on the game date, checked against fixed instants, daylight-saving days included.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zonedInstant } from '../../src/time';

const la = 'America/Los_Angeles';
const at = (iso: string) => Date.parse(iso);

describe('zonedInstant', () => {
  it('reads a time in Los Angeles on ordinary days, winter and summer', () => {
    assert.equal(zonedInstant('2025-01-15', '06:00', la), at('2025-01-15T14:00:00Z'));
    assert.equal(zonedInstant('2025-07-15', '06:00', la), at('2025-07-15T13:00:00Z'));
  });

  it('holds across the spring-forward day (clocks jump from 02:00 to 03:00)', () => {
    assert.equal(
      zonedInstant('2025-03-09', '00:00', la),
      at('2025-03-09T08:00:00Z'),
      'midnight is still standard time',
    );
    assert.equal(
      zonedInstant('2025-03-09', '06:00', la),
      at('2025-03-09T13:00:00Z'),
      'the backup deadline is daylight time',
    );
    assert.equal(zonedInstant('2025-03-09', '07:00', la) - zonedInstant('2025-03-09', '00:00', la), 6 * 3600_000);
  });

  it('holds across the fall-back day (01:00 to 02:00 happens twice)', () => {
    assert.equal(
      zonedInstant('2025-11-02', '00:00', la),
      at('2025-11-02T07:00:00Z'),
      'midnight is still daylight time',
    );
    assert.equal(
      zonedInstant('2025-11-02', '06:15', la),
      at('2025-11-02T14:15:00Z'),
      'the first retry is standard time',
    );
    assert.equal(zonedInstant('2025-11-02', '07:00', la) - zonedInstant('2025-11-02', '00:00', la), 8 * 3600_000);
  });

  it('reads New York times too (the health check is at 08:00 there)', () => {
    assert.equal(zonedInstant('2025-03-09', '08:00', 'America/New_York'), at('2025-03-09T12:00:00Z'));
    assert.equal(zonedInstant('2025-12-01', '08:00', 'America/New_York'), at('2025-12-01T13:00:00Z'));
  });
});
