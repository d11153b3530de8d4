// The health rules against fixed instants: phase deadlines (across daylight saving), late processors,
// dead letters by reason and the burst rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadLetterProblems, expiredDate, lateProcessor, phaseDeadlineOf, stuckDate } from '../../src/health/rules';

describe('health rules', () => {
  it('phase 2 is due at 07:00 New York the morning after, in winter and in summer', () => {
    assert.equal(new Date(phaseDeadlineOf('phase2', '2025-11-29')).toISOString(), '2025-11-30T12:00:00.000Z');
    assert.equal(new Date(phaseDeadlineOf('phase2', '2025-06-10')).toISOString(), '2025-06-11T11:00:00.000Z');
  });

  it('a date is stuck only once the phase it waits on is past its deadline', () => {
    const run = { gameDate: '2025-11-29', waitingOn: 'phase2', progress: '20/21', missing: ['NbacGamebookProcessor'] };
    assert.equal(stuckDate(run, Date.parse('2025-11-30T11:59:00Z')), undefined);
    assert.deepEqual(stuckDate(run, Date.parse('2025-11-30T12:01:00Z')), {
      kind: 'date-stuck',
      game_date: '2025-11-29',
      detail:
        'waits on phase2 (20/21, missing NbacGamebookProcessor) past its deadline 2025-11-30 07:00 America/New_York',
    });
    assert.equal(
      stuckDate({ gameDate: '2025-11-29', waitingOn: 'complete' }, Date.parse('2025-12-05T00:00:00Z')),
      undefined,
    );
    assert.equal(
      stuckDate({ gameDate: '2025-11-29', waitingOn: 'no_games' }, Date.parse('2025-12-05T00:00:00Z')),
      undefined,
      'a day without games waits for nothing',
    );
  });

  it('a date whose run expired pages, unless a backfill drove it', () => {
    const closedAt = '2025-12-02T12:00:00Z';
    assert.deepEqual(expiredDate({ gameDate: '2025-11-29', closedAt, backfill: false }), {
      kind: 'date-expired',
      game_date: '2025-11-29',
      detail: `closed at ${closedAt} without completing`,
    });
    assert.equal(
      expiredDate({ gameDate: '2024-01-03', closedAt, backfill: true }),
      undefined,
      'a backfilled date reports through its backfill',
    );
  });

  it('a processor is late when its first completion came after its phase deadline (seed or our phase name)', () => {
    const run = { processor: 'NbacGamebookProcessor', phase: 'phase_2_raw', dataDate: '2025-11-29' };
    assert.equal(lateProcessor({ ...run, completedAt: '2025-11-30T11:00:00Z' }), undefined);
    assert.match(
      lateProcessor({ ...run, completedAt: '2025-11-30T19:45:00Z' })!.detail,
      /^NbacGamebookProcessor \(phase2\) first completed 2025-11-30T19:45:00.000Z, 465 min after 2025-11-30 07:00/,
    );
    assert.ok(
      lateProcessor({ ...run, phase: null, completedAt: '2025-11-30T19:45:00Z' }),
      'phase told by the processor',
    );
  });

  it('dead letters are counted by reason; more than 5 within 5 minutes is a burst', () => {
    const now = Date.parse('2025-11-30T12:00:00Z');
    const at = (minutesAgo: number, reason = 'invalid: x') => ({ reason, receivedAt: now - minutesAgo * 60_000 });
    const spread = [at(1), at(10), at(20), at(30), at(40), at(50, 'late: closed'), at(60 * 25)];
    assert.deepEqual(deadLetterProblems(spread, now), [
      { kind: 'dead-letters', detail: '6 dead letters in the last 24 h: invalid 5, late 1' },
    ]);
    const burst = [at(1), at(2), at(2), at(3), at(4), at(5)];
    assert.deepEqual(
      deadLetterProblems(burst, now).map((p) => p.kind),
      ['dead-letters', 'dead-letter-burst'],
    );
    assert.deepEqual(deadLetterProblems([], now), []);
  });
});
