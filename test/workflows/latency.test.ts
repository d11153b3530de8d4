// Where each latency target starts: the last completion of the phase before (the orchestrator's own
// delay), across the hand-over for the slate's triggers; end to end from the night's first completion.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pipeline } from '../../src/pipeline/definition';
import { latencyStart } from '../../src/triggers/pipeline-metrics';
import { recordDelivery, type Received } from '../../src/date-run/progress';
import type { ResultsHandedOver } from '../../src/date-run/signals';
import { completion, processorNames } from '../helpers/messages';

const target = (name: string) => pipeline.latencyTargets.find((t) => t.name === name)!;
const at = (hour: number) => `2025-11-02T${String(hour).padStart(2, '0')}:00:00.000Z`;

describe('latency targets', () => {
  it('phase 2 → 3 starts at the last phase 2 completion, not the first', () => {
    const received: Received = {};
    processorNames('phase2').forEach((name, i) =>
      recordDelivery(received, completion('phase2', name, '2025-11-01'), at(i % 6)),
    );
    assert.equal(latencyStart(target('phase2_to_phase3'), { received }), at(5));
  });

  it("the slate's phase 3 → 4 and end to end start in the results handed over to it", () => {
    const slateInput: ResultsHandedOver = {
      resultsOf: '2025-11-01',
      correlationId: 'corr',
      source: 'orchestrator',
      firstCompletionAt: at(1),
      lastCompletionAt: at(7),
      handedOverAt: at(7),
    };
    assert.equal(latencyStart(target('phase3_to_phase4'), { received: {}, slateInput }), at(7));
    assert.equal(latencyStart(target('end_to_end'), { received: {}, slateInput }), at(1));
    assert.equal(target('end_to_end').countsAsMiss, false, 'the night spreads over hours: shown, not paged');
  });

  it("phase 4 → 5 starts at the slate's last phase 4 completion", () => {
    const received: Received = {};
    pipeline.phase4Levels.forEach(({ processors }, i) => {
      for (const name of processors) recordDelivery(received, completion('phase4', name, '2025-11-02'), at(8 + i));
    });
    assert.equal(latencyStart(target('phase4_to_phase5'), { received }), at(10));
  });
});
