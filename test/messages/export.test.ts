import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportRequestOf, exportStatus } from '../../src/messages/export-message';
import { parseExportComplete, parseExportTrigger } from '../helpers/export-parsers';
import { exportDefinitions, exportPaths, exportTypes } from '../../src/pipeline/exports';

describe('export trigger messages', () => {
  it('parses the phase 5→6 orchestrator’s message', () => {
    const parsed = parseExportTrigger(
      JSON.stringify({
        export_types: ['tonight', 'tonight-players', 'predictions', 'streaks'],
        target_date: '2025-12-12',
        update_latest: true,
        trigger_source: 'orchestrator',
        triggered_by: 'phase5_to_phase6_orchestrator',
        correlation_id: 'abc-123',
        timestamp: '2025-12-12T18:00:00Z',
        upstream_batch_id: 'batch_2025-12-12_1734012345',
        upstream_predictions: 448,
      }),
    );
    assert.ok(parsed.ok);
    assert.deepEqual(exportRequestOf(parsed.value), {
      exportTypes: ['tonight', 'tonight-players', 'predictions', 'streaks'],
      targetDate: '2025-12-12',
      updateLatest: true,
    });
  });

  it('parses the scheduler’s minimal forms, relative dates and the player-profiles form', () => {
    const daily = parseExportTrigger(
      '{"export_types":["results","performance","best-bets"],"target_date":"yesterday"}',
    );
    assert.ok(daily.ok);
    assert.deepEqual(exportRequestOf(daily.value), {
      exportTypes: ['results', 'performance', 'best-bets'],
      targetDate: 'yesterday',
      updateLatest: false,
    });
    const players = parseExportTrigger('{"players":true,"min_games":5}');
    assert.ok(players.ok);
    assert.deepEqual(exportRequestOf(players.value), {
      exportTypes: ['player-profiles'],
      targetDate: 'today',
      updateLatest: true,
      minGames: 5,
    });
  });

  it('says why it rejects a trigger', () => {
    const unknown = parseExportTrigger('{"export_types":["tonight","bogus"],"target_date":"today"}');
    assert.ok(!unknown.ok);
    assert.match(unknown.reason, /export_types\.1/);
    const badDate = parseExportTrigger('{"export_types":["tonight"],"target_date":"tomorrow"}');
    assert.ok(!badDate.ok);
    assert.match(badDate.reason, /must be YYYY-MM-DD, today or yesterday/);
    const notJson = parseExportTrigger('{');
    assert.ok(!notJson.ok);
    assert.match(notJson.reason, /^not JSON/);
  });

  it('dedupes a type listed twice', () => {
    const parsed = parseExportTrigger('{"export_types":["tonight","tonight"],"target_date":"today"}');
    assert.ok(parsed.ok);
    assert.deepEqual(exportRequestOf(parsed.value).exportTypes, ['tonight']);
  });

  it('derives the report status from what succeeded and failed', () => {
    assert.equal(exportStatus(3, 0), 'success');
    assert.equal(exportStatus(2, 1), 'partial');
    assert.equal(exportStatus(0, 3), 'failed');
  });

  it('rejects an export-complete message missing its trigger_id', () => {
    const parsed = parseExportComplete('{"target_date":"2025-12-12"}');
    assert.ok(!parsed.ok);
    assert.match(parsed.reason, /trigger_id/);
  });
});

describe('export definitions', () => {
  it('writes the dated copy always and the latest files only when asked', () => {
    assert.deepEqual(exportPaths('results', '2025-12-11', true), [
      'v1/results/2025-12-11.json',
      'v1/results/latest.json',
    ]);
    assert.deepEqual(exportPaths('results', '2025-12-11', false), ['v1/results/2025-12-11.json']);
    assert.deepEqual(exportPaths('tonight', '2025-12-12', true), [
      'v1/tonight/2025-12-12/all-players.json',
      'v1/tonight/all-players.json',
    ]);
  });

  it('defines every export type, with no two types writing the same path', () => {
    const paths = exportTypes.flatMap((t) => exportPaths(t, '2025-12-12', true));
    assert.equal(new Set(paths).size, paths.length);
    assert.deepEqual(Object.keys(exportDefinitions).sort(), [...exportTypes].sort());
    assert.ok(paths.every((p) => p.startsWith('v1/') && p.endsWith('.json')));
  });
});
