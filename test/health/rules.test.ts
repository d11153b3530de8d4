// The health rules against fixed instants: phase deadlines (across daylight saving), a stuck date by
// the halves of its day, late processors, dead letters by reason and the burst rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadLetterProblems } from '../../src/watch/dead-letter-rules';
import { expiredDate, lateProcessor, overduePhases, phaseDeadlineOf, stuckDate } from '../../src/watch/rules';

describe('health rules', () => {
  it("a night's results are due the morning after (07:00 and 08:00 New York), its slate on its own morning", () => {
    assert.equal(new Date(phaseDeadlineOf('phase2', '2025-11-29')).toISOString(), '2025-11-30T12:00:00.000Z');
    assert.equal(new Date(phaseDeadlineOf('phase2', '2025-06-10')).toISOString(), '2025-06-11T11:00:00.000Z');
    assert.equal(new Date(phaseDeadlineOf('phase3', '2025-11-29')).toISOString(), '2025-11-30T13:00:00.000Z');
    assert.equal(new Date(phaseDeadlineOf('phase4', '2025-11-29')).toISOString(), '2025-11-29T13:30:00.000Z');
    assert.equal(new Date(phaseDeadlineOf('phase5', '2025-11-29')).toISOString(), '2025-11-29T15:00:00.000Z');
    assert.equal(new Date(phaseDeadlineOf('phase6', '2025-11-29')).toISOString(), '2025-11-29T16:00:00.000Z');
  });

  // What a run's status query says of a phase.
  const done = { status: 'triggered', completed_count: 5, expected_count: 5, missing_processors: [] };
  const waiting = (completed: number, expected: number, missing: string[] = []) => ({
    status: completed === 0 ? 'not_started' : 'in_progress',
    completed_count: completed,
    expected_count: expected,
    missing_processors: missing,
  });
  const exported = { status: 'triggered', completed_count: 4, expected_count: 4, missing_processors: [] };
  const slateDone = { phase4: done, phase5: { ...done, completed_count: 1, expected_count: 1 }, phase6: exported };
  // 08:00 New York on 2025-11-30, the morning after the games of 2025-11-29: the daily check.
  const dailyCheck = Date.parse('2025-11-30T13:00:00Z');

  it('the 08:00 check pages a night that is not complete, the same morning', () => {
    const lateNight = {
      gameDate: '2025-11-29',
      phases: { phase2: waiting(20, 21, ['NbacGamebookProcessor']), phase3: waiting(0, 5), ...slateDone },
    };
    assert.equal(stuckDate(lateNight, Date.parse('2025-11-30T11:59:00Z')), undefined, 'before 07:00');
    assert.deepEqual(stuckDate(lateNight, dailyCheck), {
      kind: 'date-stuck',
      game_date: '2025-11-29',
      detail:
        'waits on phase2 (20/21, missing NbacGamebookProcessor) past its deadline 2025-11-30 07:00 America/New_York',
    });
    // Phase 2 complete, phase 3 not: due at 08:00, so the 08:00 check itself sees it.
    const phase3Late = { gameDate: '2025-11-29', phases: { phase2: done, phase3: waiting(4, 5), ...slateDone } };
    assert.deepEqual(overduePhases(phase3Late, dailyCheck - 1), []);
    assert.deepEqual(overduePhases(phase3Late, dailyCheck), ['phase3']);
    // Complete by 07:58: phase 3 has every processor, whatever its hand-over says.
    const onTime = { gameDate: '2025-11-29', phases: { phase2: done, phase3: waiting(5, 5), ...slateDone } };
    assert.equal(stuckDate(onTime, dailyCheck), undefined);
  });

  it("the slate of a date is judged on its own morning, apart from the night's results", () => {
    // 08:00 on the date itself: features are due at 08:30, the night after the games is still to come.
    const morning = Date.parse('2025-11-29T13:00:00Z');
    const slate = {
      gameDate: '2025-11-29',
      phases: { phase2: waiting(0, 21), phase3: waiting(0, 5), phase4: waiting(3, 5), phase5: waiting(0, 1) },
    };
    assert.equal(stuckDate(slate, morning), undefined);
    assert.deepEqual(overduePhases(slate, Date.parse('2025-11-29T13:30:00Z')), ['phase4']);
    // Both halves late the next morning: one problem, the night first.
    assert.equal(
      stuckDate(slate, dailyCheck)?.detail,
      'waits on phase2 (0/21) past its deadline 2025-11-30 07:00 America/New_York; and on phase4 (3/5) past its deadline 2025-11-29 08:30 America/New_York',
    );
    // The backup started predictions (phase 4's step fired) and the exports are out: nothing due.
    const backupDay = {
      gameDate: '2025-11-29',
      phases: {
        phase2: waiting(0, 21),
        phase3: waiting(0, 5),
        ...slateDone,
        phase4: { ...waiting(0, 5), status: 'triggered' },
      },
    };
    assert.equal(stuckDate(backupDay, Date.parse('2025-11-29T20:00:00Z')), undefined);
  });

  it('backfilled dates, days without games and finished runs wait on no deadline', () => {
    const later = Date.parse('2025-12-05T00:00:00Z');
    const nothing = { phase2: waiting(0, 21), phase3: waiting(0, 5), phase4: waiting(0, 5) };
    assert.equal(stuckDate({ gameDate: '2025-11-29', phases: nothing }, later)?.kind, 'date-stuck');
    assert.equal(stuckDate({ gameDate: '2025-11-29', phases: nothing, backfill: true }, later), undefined);
    assert.equal(stuckDate({ gameDate: '2025-11-29', phases: nothing, waitingOnNow: 'no_games' }, later), undefined);
    assert.equal(stuckDate({ gameDate: '2025-11-29', waitingOn: 'complete' }, later), undefined);
  });

  it('a run that does not answer its status query is judged by the phase visibility says it waits on', () => {
    const run = { gameDate: '2025-11-29', waitingOn: 'phase2' };
    assert.equal(stuckDate(run, Date.parse('2025-11-30T11:59:00Z')), undefined);
    assert.deepEqual(stuckDate(run, dailyCheck), {
      kind: 'date-stuck',
      game_date: '2025-11-29',
      detail: 'waits on phase2 past its deadline 2025-11-30 07:00 America/New_York',
    });
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
    assert.equal(lateProcessor({ ...run, completedAt: '2025-11-30T11:00:00Z' }), undefined, '06:00 New York');
    // Gamebooks at 14:45 New York.
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
