// What counts, derived from what arrived: the pure rules every phase's gate rests on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completedAt, phaseProgress, recordDelivery, type Received } from '../../src/date-run/progress';
import { phase6Verdict } from '../../src/game-day/gate';
import { completion, processorNames } from '../helpers/messages';

const date = '2025-11-29';
const at = '2025-11-29T10:00:00Z';

describe('recordDelivery and phaseProgress', () => {
  it('counts a processor once however often it is delivered, and counts the repeats', () => {
    const received: Received = {};
    const name = processorNames('phase2')[0]!;
    assert.equal(recordDelivery(received, completion('phase2', name, date), at), true);
    assert.equal(recordDelivery(received, completion('phase2', name, date), at), false);
    assert.equal(received.phase2?.[name]?.duplicates, 1);
    assert.deepEqual(phaseProgress('phase2', received).completed, [name]);
  });

  it('never counts failed; a later success of the same processor counts', () => {
    const received: Received = {};
    const name = processorNames('phase3')[0]!;
    recordDelivery(received, completion('phase3', name, date, { status: 'failed', executionId: 'run-1' }), at);
    assert.deepEqual(phaseProgress('phase3', received).failed, [name]);
    assert.ok(phaseProgress('phase3', received).missing.includes(name));
    recordDelivery(received, completion('phase3', name, date, { executionId: 'run-2' }), at);
    assert.deepEqual(phaseProgress('phase3', received).completed, [name]);
    assert.deepEqual(phaseProgress('phase3', received).failed, []);
  });

  it('counts no_data for every processor, optional or not; failed for none', () => {
    const received: Received = {};
    recordDelivery(received, completion('phase2', 'BdlInjuriesProcessor', date, { status: 'no_data' }), at);
    recordDelivery(received, completion('phase2', 'BdlGamesProcessor', date, { status: 'no_data' }), at);
    recordDelivery(received, completion('phase2', 'EspnBoxscoreProcessor', date, { status: 'failed' }), at);
    const progress = phaseProgress('phase2', received);
    assert.ok(progress.completed.includes('BdlInjuriesProcessor'));
    assert.ok(progress.completed.includes('BdlGamesProcessor'));
    assert.ok(progress.missing.includes('EspnBoxscoreProcessor'));
    assert.deepEqual(progress.failed, ['EspnBoxscoreProcessor']);
  });

  it('knows when a phase became complete: the latest first counted completion of its processors', () => {
    const received: Received = {};
    const names = processorNames('phase3');
    names.forEach((name, i) =>
      recordDelivery(received, completion('phase3', name, date), `2025-11-02T0${i + 1}:00:00.000Z`),
    );
    recordDelivery(
      received,
      completion('phase3', names[0]!, date, { executionId: 'again' }),
      '2025-11-02T09:00:00.000Z',
    );
    assert.equal(completedAt('phase3', received), `2025-11-02T0${names.length}:00:00.000Z`);
    assert.equal(completedAt('phase2', received), undefined);
  });

  it('is complete when every expected processor counts', () => {
    const received: Received = {};
    for (const name of processorNames('phase3')) recordDelivery(received, completion('phase3', name, date), at);
    assert.equal(phaseProgress('phase3', received).complete, true);
    assert.equal(phaseProgress('phase2', received).complete, false);
  });

  it('takes a batch reporting more progress as news, unless told to keep the older rule', () => {
    const batch = (pct: number) =>
      completion('phase5', 'PredictionCoordinator', date, {
        status: 'partial',
        executionId: 'batch-1',
        metadata: { completion_pct: pct },
      });
    const received: Received = {};
    assert.equal(recordDelivery(received, batch(70), at), true);
    assert.equal(recordDelivery(received, batch(85), at), true);
    assert.equal(recordDelivery(received, batch(85), at), false);
  });
});

describe('the 5→6 gate', () => {
  const predictions = (status: 'success' | 'partial' | 'failed', metadata?: Record<string, unknown>) =>
    completion('phase5', 'PredictionCoordinator', date, {
      status,
      executionId: 'batch-7',
      ...(metadata ? { metadata } : {}),
    });

  it('lets success and partial at 80 % or more through, with the batch and its size', () => {
    assert.deepEqual(
      phase6Verdict(predictions('partial', { completion_pct: 80, batch_id: 'b-1', completed_predictions: 400 })),
      {
        accepted: true,
        batchId: 'b-1',
        predictions: 400,
        completionPct: 80,
      },
    );
  });

  it('turns away, with why: a failed batch, a missing or low completion_pct', () => {
    assert.deepEqual(phase6Verdict(predictions('failed', { completion_pct: 99 })), {
      accepted: false,
      reason: 'status failed is not one of success, partial',
    });
    assert.deepEqual(phase6Verdict(predictions('success')), {
      accepted: false,
      reason: 'metadata.completion_pct is missing',
    });
    assert.deepEqual(phase6Verdict(predictions('success', { completion_pct: 79.9 })), {
      accepted: false,
      reason: 'completion_pct 79.9 is under the 80% minimum',
    });
  });
});
