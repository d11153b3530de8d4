// A rerun from a phase skips the phases before it: which ones those are follows the day's order in
// the pipeline definition.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PhaseKey } from '../../src/pipeline/definition';
import { isBefore, phaseIndex } from '../../src/pipeline/phase-order';

describe('phase order', () => {
  it('puts the phases in the order of the day', () => {
    const day: PhaseKey[] = ['phase2', 'phase3', 'phase4', 'phase5', 'phase6'];
    assert.deepEqual(
      day.map((phase) => phaseIndex(phase)),
      [0, 1, 2, 3, 4],
    );
  });

  it('tells which phases a rerun from phase 5 skips', () => {
    const skipped = (['phase3', 'phase4', 'phase5', 'phase6'] as const).filter((phase) => isBefore(phase, 'phase5'));
    assert.deepEqual(skipped, ['phase3', 'phase4']);
    assert.equal(isBefore('phase5', 'phase5'), false);
  });
});
