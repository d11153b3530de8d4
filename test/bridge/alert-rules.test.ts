// The rules behind the bridge's own alerts: a dead-letter burst is reported once per window, and
// Temporal unreachable is due for one alert once it has lasted longer than the threshold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadLetterBursts, TemporalOutages } from '../../src/bridge/alert-rules';

const minute = 60_000;

describe('dead-letter bursts', () => {
  it('more than 5 within 5 minutes is one burst, with its reasons counted', () => {
    const bursts = new DeadLetterBursts({ moreThan: 5, within: 5 * minute });
    const reasons = ['invalid: a', 'invalid: b', 'oversized: c', 'invalid: d', 'late: e'];
    assert.deepEqual(
      reasons.map((reason, i) => bursts.note(reason, i * minute)),
      [undefined, undefined, undefined, undefined, undefined],
    );
    assert.deepEqual(bursts.note('future: f', 5 * minute), {
      count: 6,
      reasons: { invalid: 3, oversized: 1, late: 1, future: 1 },
      firstAt: 0,
      lastAt: 5 * minute,
    });
    // The rest of that window belongs to the burst already reported.
    for (let i = 0; i < 10; i += 1) assert.equal(bursts.note('invalid: more', 5 * minute), undefined);
    // After it, six more are a new burst.
    const next = [1, 2, 3, 4, 5, 6].map((i) => bursts.note('invalid: again', 5 * minute + i * 1000));
    assert.deepEqual(
      next.map((b) => b?.count),
      [undefined, undefined, undefined, undefined, undefined, 6],
    );
  });

  it('six spread over more than 5 minutes are no burst', () => {
    const bursts = new DeadLetterBursts({ moreThan: 5, within: 5 * minute });
    const found = [0, 1, 2, 3, 4, 6].map((m) => bursts.note('invalid: x', m * minute));
    assert.ok(found.every((b) => b === undefined));
  });
});

describe('Temporal outages', () => {
  it('are due for one alert once longer than the threshold, and report their end when alerted', () => {
    const outages = new TemporalOutages(minute);
    assert.equal(outages.note(false, 0, 'UNAVAILABLE: connection refused'), undefined);
    assert.equal(outages.note(false, 30_000), undefined);
    assert.equal(outages.due(minute), undefined, 'exactly a minute is not more than a minute');
    assert.deepEqual(outages.due(minute + 1), {
      since: 0,
      forMs: minute + 1,
      lastError: 'UNAVAILABLE: connection refused',
    });
    outages.markAlerted();
    assert.equal(outages.due(2 * minute), undefined, 'one alert per outage');
    assert.deepEqual(outages.note(true, 3 * minute), { since: 0, forMs: 3 * minute });
    assert.equal(outages.reachable(), true);
  });

  it('a call that gets through ends the outage: short ones are never due and end quietly', () => {
    const outages = new TemporalOutages(minute);
    outages.note(false, 0);
    assert.equal(outages.note(true, 50_000), undefined, 'not alerted: nothing to report');
    outages.note(false, 55_000);
    assert.equal(outages.due(100_000), undefined, 'the clock starts again at the new outage');
    assert.ok(outages.due(115_001));
  });
});
