// What `reconcile --fix` hands over, as pure decisions: never a completion the bridge refused for
// what it was, and on a date old enough for the flag, the processor's own backfill mode.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProcessorRun } from '../../src/watch/queries';
import { completionOf, refusalOf } from '../../src/watch/reconcile';
import { refusedCompletionOf } from '../../src/watch/rejected';

const row = (over: Partial<ProcessorRun> = {}): ProcessorRun => ({
  processor: 'PlayerGameSummaryProcessor',
  phase: 'phase3',
  dataDate: '2026-11-20',
  status: 'success',
  executionId: 'exec-1',
  correlationId: null,
  completedAt: '2026-11-21T08:00:00Z',
  recordCount: 10,
  ...over,
});

describe('reconcile --fix', () => {
  it('knows a refused message by its execution id, or by processor and date when it carried none', () => {
    const refused = [
      refusedCompletionOf(
        JSON.stringify({ processor_name: 'X', game_date: '2026-11-20', execution_id: 'exec-1' }),
        'oversized: 70000 bytes',
      )!,
      refusedCompletionOf(
        JSON.stringify({ processor_name: 'PlayerGameSummaryProcessor', game_date: '2026-11-19' }),
        'invalid: status',
      )!,
    ];
    const lost = (r: ProcessorRun) => ({ processor: 'player_game_summary', row: r });
    assert.equal(refusalOf(lost(row()), refused)?.reason, 'oversized: 70000 bytes');
    assert.equal(
      refusalOf(lost(row({ executionId: 'other', dataDate: '2026-11-19' })), refused)?.reason,
      'invalid: status',
    );
    assert.equal(refusalOf(lost(row({ executionId: 'other' })), refused), undefined, 'another run of the processor');
  });

  it('reads only refusals: a late or exhausted letter is no refusal, and unreadable bytes name nothing', () => {
    assert.equal(refusedCompletionOf('{}', 'late: game-day-2026-11-20 closed'), undefined);
    assert.equal(refusedCompletionOf('{}', 'exhausted: 5 deliveries'), undefined);
    assert.deepEqual(refusedCompletionOf('not json', 'invalid: not JSON'), { reason: 'invalid: not JSON' });
  });

  it('keeps the backfill flag on a date old enough for it to count, and never sets it on a live date', () => {
    const counted = (r: ProcessorRun) => ({ processor: 'player_game_summary', phase: 'phase3' as const, row: r });
    const today = '2026-12-03';
    assert.equal(completionOf(counted(row({ backfillMode: true })), today).skipDownstreamTrigger, true);
    assert.equal(completionOf(counted(row()), today, true).skipDownstreamTrigger, true, 'the run is a backfill');
    assert.equal(completionOf(counted(row()), today).skipDownstreamTrigger, false);
    const live = row({ dataDate: '2026-12-02', backfillMode: true });
    assert.equal(completionOf(counted(live), today).skipDownstreamTrigger, false, 'a live date ignores the flag');
  });
});
