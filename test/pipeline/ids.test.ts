// Workflow and trigger ids are a contract: consumers dedupe on trigger ids, operators find runs by
// workflow id, and recorded histories hold them. Spelled out literally here, so a change shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  exportWorkflowIdFor,
  gameDayTriggerId,
  phase4CascadeWorkflowId,
  phase5WorkflowId,
  triggerKeys,
  workflowIdFor,
} from '../../src/pipeline/ids';

describe('ids', () => {
  it('names the date run, its children and the export runs', () => {
    assert.equal(workflowIdFor('2025-11-29'), 'game-day-2025-11-29');
    assert.equal(phase4CascadeWorkflowId('2025-11-29'), 'game-day-2025-11-29/phase4');
    assert.equal(phase5WorkflowId('2025-11-29'), 'game-day-2025-11-29/phase5');
    assert.equal(exportWorkflowIdFor('2025-11-29', 'tonight'), 'export-2025-11-29-tonight');
  });

  it('gives each trigger of a date a stable id', () => {
    const ids = [
      triggerKeys.phase3,
      triggerKeys.phase4Level(1),
      triggerKeys.phase5,
      triggerKeys.phase5Retry(2),
      triggerKeys.phase6,
    ].map((key) => gameDayTriggerId('2025-11-29', key));
    assert.deepEqual(ids, [
      'game-day-2025-11-29/phase3',
      'game-day-2025-11-29/phase4/1',
      'game-day-2025-11-29/phase5',
      'game-day-2025-11-29/phase5/retry/2',
      'game-day-2025-11-29/phase6',
    ]);
  });
});
