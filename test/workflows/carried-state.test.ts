// What the run carries across continue-as-new, as pure rules: the phase 4 backlog keeps only what
// the cascade reads and stays bounded, and the carried state's size is measured as Temporal sees it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pipeline } from '../../src/pipeline/definition';
import { carriedBytes, keepForPhase4, restore } from '../../src/game-day/state';
import { completion, processorNames } from '../helpers/messages';

const date = '2025-10-10';

describe('the carried state', () => {
  it("keeps of a phase 4 completion only the cascade's part: no metadata beyond the players", () => {
    const backlog: ReturnType<typeof completion>[] = [];
    keepForPhase4(
      backlog,
      completion('phase4', 'ml_feature_store_v2', date, {
        metadata: { padding: 'x'.repeat(64 * 1024), players_ready: 412, players_total: 450 },
        recordCount: 9,
        errorMessage: 'a long error',
      }),
    );
    assert.deepEqual(backlog, [
      {
        phase: 'phase4',
        processor: 'ml_feature_store_v2',
        gameDate: date,
        status: 'success',
        executionId: `ml_feature_store_v2-${date}-run1`,
        correlationId: `corr-${date}`,
        skipDownstreamTrigger: false,
        metadata: { players_ready: 412, players_total: 450 },
      },
    ]);
  });

  it('keeps per processor the latest completion that counts and the latest that does not, and never more than the bound', () => {
    const backlog: ReturnType<typeof completion>[] = [];
    const [first] = processorNames('phase4');
    for (let i = 0; i < 100; i += 1) {
      const status = i % 2 === 0 ? 'failed' : 'success';
      keepForPhase4(backlog, completion('phase4', first!, date, { executionId: `run${i}`, status }));
    }
    assert.deepEqual(
      backlog.map((c) => [c.status, c.executionId]),
      [
        ['failed', 'run98'],
        ['success', 'run99'],
      ],
    );
    for (let i = 0; i < 200; i += 1) keepForPhase4(backlog, completion('phase4', `unknown-${i}`, date));
    assert.equal(backlog.length, pipeline.lifetime.phase4BacklogAtMost);
    assert.equal(backlog.at(-1)?.processor, 'unknown-199');
  });

  it('measures the serialized state in UTF-8 bytes', () => {
    const state = restore({ gameDate: date });
    const plain = carriedBytes(state);
    assert.equal(plain, Buffer.byteLength(JSON.stringify(state), 'utf8'));
    state.rejectedPredictions.push('é€😀');
    assert.equal(carriedBytes(state), Buffer.byteLength(JSON.stringify(state), 'utf8'));
  });
});
