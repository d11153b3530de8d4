// The BigQuery layer against the real bqemulator: schema, a seeded game day, the phase 5 queries and
// every export query.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { BigQuery } from '@google-cloud/bigquery';
import { dateParam, ensureSchema, runQuery, textColumn, type Row } from '../../src/platform/bigquery';
import { featureRowCount, playersMissingPredictions, predictionCoverage } from '../../src/phase5/queries';
import { exportQueries, runExportQuery, type ExportQueryName } from '../../src/exports/queries';
import { seedSampleDay, type SampleDay } from '../../dev/sample/sample-day';
import { addDays } from '../../src/time';
import { workflowIdFor } from '../../src/pipeline/ids';
import { closedRunOf, recordRunClosed } from '../../src/run-history/run-history';
import { startBigQueryEmulator, tempDir, type BigQueryEmulator } from '../helpers/servers';

const project = 'nba-props-platform';
const gameDate = '2025-12-12';
const resultsDate = addDays(gameDate, -1);
const historyDays = 5;
const tables = [
  'nba_analytics.player_game_summary',
  'nba_analytics.upcoming_player_game_context',
  'nba_precompute.ml_feature_store_v2',
  'nba_predictions.player_prop_predictions',
  'nba_orchestration.processor_run_history',
];
/** The orchestrator's own run history: empty until runs close. */
const runHistoryTables = ['nba_orchestration.game_day_events', 'nba_orchestration.game_day_runs'];

let dir: string;
let emulator: BigQueryEmulator;
let bigquery: BigQuery;
let day: SampleDay;
const timings: Record<string, number> = {};

async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  timings[name] = Math.round(performance.now() - start);
  return result;
}

/** Starts (or restarts, on the same DuckDB file) the emulator with the pipeline's tables. */
async function startEmulator(): Promise<BigQueryEmulator> {
  const started = await startBigQueryEmulator(dir, project);
  bigquery = started.bigquery;
  return started;
}

async function tableCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await runQuery(bigquery, `SELECT COUNT(*) AS n FROM ${table}`);
    counts[table] = Number(row?.n);
  }
  return counts;
}

const exportRun = (name: ExportQueryName, targetDate: string, minGames = 5): Promise<Row[]> =>
  runExportQuery(bigquery, exportQueries[name], { target_date: targetDate, min_games: minGames });

function assertColumns(rows: Row[], columns: string[]): void {
  assert.ok(rows.length > 0, 'no rows');
  for (const row of rows) assert.deepEqual(Object.keys(row).sort(), [...columns].sort());
}

const isDate = (v: unknown): boolean => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);

before(async () => {
  dir = tempDir('bigquery-it');
  emulator = await timed('emulator start-up with the schema', startEmulator);
  await timed('ensureSchema (again)', () => ensureSchema(bigquery));
  // History first: each seeded date also writes the previous date's results.
  await timed(`seedSampleDay x${historyDays} (history)`, async () => {
    for (let back = historyDays; back >= 1; back--) {
      await seedSampleDay(bigquery, addDays(gameDate, -back), { players: 100, predictionCoverage: 1 });
    }
  });
  day = await timed('seedSampleDay', () =>
    seedSampleDay(bigquery, gameDate, { players: 100, predictionCoverage: 0.85 }),
  );
});

after(async () => {
  await emulator?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  console.log(`bigquery timings (ms): ${JSON.stringify(timings)}`);
});

describe('schema', () => {
  it('has every table after applying the DDL twice', async () => {
    const found: string[] = [];
    for (const dataset of new Set(tables.map((t) => t.split('.')[0]!))) {
      const [list] = await bigquery.dataset(dataset).getTables();
      found.push(...list.map((t) => `${dataset}.${t.id}`));
    }
    assert.deepEqual(found.sort(), [...tables, ...runHistoryTables].sort());
  });
});

describe('run history', () => {
  it('records a close once, however often the write is retried, and finds it by date', async () => {
    const date = '2025-10-20';
    assert.equal(await closedRunOf(bigquery, date), null, 'a date never closed');
    const run = {
      gameDate: date,
      runId: 'first-run',
      workflowId: workflowIdFor(date),
      outcome: 'completed',
      correlationId: 'corr-1',
      openedAt: '2025-10-20T08:00:00.000Z',
      closedAt: '2025-10-21T16:00:00.000Z',
    };
    await recordRunClosed(bigquery, run);
    await recordRunClosed(bigquery, run); // a retried activity
    assert.deepEqual(await closedRunOf(bigquery, date), run);
    const [row] = await runQuery(
      bigquery,
      'SELECT COUNT(*) AS n FROM nba_orchestration.game_day_runs WHERE run_id = @id',
      {
        params: { id: 'first-run' },
      },
    );
    assert.equal(Number(row?.n), 1);
  });
});

describe('phase 5 queries', () => {
  it('counts the feature rows of the date, and none for a date never seeded', async () => {
    assert.equal(await featureRowCount(bigquery, gameDate), 100);
    assert.equal(await featureRowCount(bigquery, '2025-11-01'), 0);
  });

  it('names the players with features and no prediction', async () => {
    const missing = await playersMissingPredictions(bigquery, gameDate);
    assert.equal(missing.length, 15);
    assert.deepEqual(missing, day.missingPredictions);
    assert.deepEqual(await playersMissingPredictions(bigquery, resultsDate), []);
  });

  it('reports coverage as players predicted over players with features', async () => {
    assert.deepEqual(await predictionCoverage(bigquery, gameDate), { predicted: 85, expected: 100, pct: 85 });
    assert.deepEqual(await predictionCoverage(bigquery, resultsDate), { predicted: 100, expected: 100, pct: 100 });
    assert.deepEqual(await predictionCoverage(bigquery, '2025-11-01'), { predicted: 0, expected: 0, pct: 0 });
  });

  it('rejects a date that is not YYYY-MM-DD before querying', async () => {
    await assert.rejects(featureRowCount(bigquery, '12/12/2025'), /YYYY-MM-DD/);
  });
});

describe('export queries', () => {
  it('tonight: everyone playing, with the primary pick where there is one', async () => {
    const rows = await exportRun('tonight', gameDate);
    assertColumns(rows, [
      'game_id',
      'player_lookup',
      'player_full_name',
      'team_abbr',
      'opponent_team_abbr',
      'home_game',
      'has_prediction',
      'points_line',
      'predicted_points',
      'confidence_score',
      'recommendation',
    ]);
    assert.equal(rows.length, 100);
    const without = rows.filter((r) => r.has_prediction === false);
    assert.deepEqual(without.map((r) => r.player_lookup).sort(), day.missingPredictions);
    assert.ok(without.every((r) => r.predicted_points === null && r.recommendation === null));
    assert.ok(rows.filter((r) => r.has_prediction === true).every((r) => typeof r.predicted_points === 'number'));
    assert.ok(rows.every((r) => textColumn(r, 'game_id').startsWith('20251212_')));
  });

  it('tonight-players: one card per predicted player with recent form', async () => {
    const rows = await exportRun('tonight-players', gameDate);
    assertColumns(rows, [
      'player_lookup',
      'player_full_name',
      'team_abbr',
      'opponent_team_abbr',
      'home_game',
      'game_id',
      'points_line',
      'predicted_points',
      'confidence_score',
      'recommendation',
      'recent_games',
      'recent_points_avg',
      'recent_minutes_avg',
      'recent_overs',
    ]);
    assert.equal(rows.length, 85);
    // Results exist for the 6 dates before the game date (5 history seeds + the game date's own).
    assert.ok(rows.every((r) => r.recent_games === historyDays + 1 && typeof r.recent_points_avg === 'number'));
    const confidences = rows.map((r) => Number(r.confidence_score));
    assert.deepEqual(
      confidences,
      [...confidences].sort((a, b) => b - a),
    );
  });

  it('predictions: every active prediction of the date, all systems', async () => {
    const rows = await exportRun('predictions', gameDate);
    assertColumns(rows, [
      'prediction_id',
      'system_id',
      'game_id',
      'player_lookup',
      'prop_type',
      'line_value',
      'predicted_value',
      'confidence_score',
      'recommendation',
      'created_at',
    ]);
    assert.equal(rows.length, day.predictions.length);
    assert.equal(rows.length, 170);
    assert.ok(rows.every((r) => typeof r.created_at === 'string' && !Number.isNaN(Date.parse(String(r.created_at)))));
    assert.ok(rows.every((r) => ['OVER', 'UNDER', 'PASS'].includes(textColumn(r, 'recommendation'))));
  });

  it('streaks: the same streaks as counting back through the results by hand', async () => {
    const rows = await exportRun('streaks', gameDate);
    assertColumns(rows, ['player_lookup', 'player_full_name', 'streak_type', 'streak_length', 'last_game_date']);
    const games = await runQuery(
      bigquery,
      `SELECT player_lookup, over_under_result FROM nba_analytics.player_game_summary
       WHERE game_date < @d ORDER BY player_lookup, game_date DESC`,
      { params: { d: dateParam('d', gameDate) } },
    );
    const byPlayer = new Map<string, string[]>();
    for (const g of games)
      byPlayer.set(textColumn(g, 'player_lookup'), [
        ...(byPlayer.get(textColumn(g, 'player_lookup')) ?? []),
        textColumn(g, 'over_under_result'),
      ]);
    const expected = [...byPlayer].flatMap(([player, results]) => {
      const length = results.findIndex((r) => r !== results[0]);
      const streak = length === -1 ? results.length : length;
      return streak >= 3 ? [{ player, type: results[0], streak }] : [];
    });
    assert.ok(expected.length > 0, 'the sample history has no streak of 3');
    assert.deepEqual(
      rows
        .map((r) => ({ player: textColumn(r, 'player_lookup'), type: r.streak_type, streak: r.streak_length }))
        .sort((a, b) => a.player.localeCompare(b.player)),
      expected.sort((a, b) => a.player.localeCompare(b.player)),
    );
    assert.ok(rows.every((r) => r.last_game_date === resultsDate));
  });

  it('results: the previous date graded against its picks', async () => {
    const rows = await exportRun('results', resultsDate);
    assertColumns(rows, [
      'game_id',
      'game_date',
      'player_lookup',
      'player_full_name',
      'team_abbr',
      'opponent_team_abbr',
      'minutes_played',
      'points',
      'rebounds',
      'assists',
      'points_line',
      'over_under_result',
      'predicted_points',
      'recommendation',
      'confidence_score',
      'pick_correct',
    ]);
    assert.equal(rows.length, 100);
    assert.deepEqual(rows.map((r) => r.player_lookup).sort(), day.results.map((r) => r.player_lookup).sort());
    for (const r of rows) {
      assert.equal(r.game_date, resultsDate);
      const expected =
        r.recommendation === 'OVER'
          ? Number(r.points) > Number(r.points_line)
          : r.recommendation === 'UNDER'
            ? Number(r.points) < Number(r.points_line)
            : null;
      assert.equal(r.pick_correct, expected, `pick_correct for ${textColumn(r, 'player_lookup')}`);
    }
  });

  it('performance: each system graded on the date', async () => {
    const rows = await exportRun('performance', resultsDate);
    assertColumns(rows, [
      'system_id',
      'predictions_graded',
      'picks',
      'correct_picks',
      'win_rate_pct',
      'mean_absolute_error',
    ]);
    assert.deepEqual(
      rows.map((r) => r.system_id),
      ['ensemble_v1', 'moving_average_baseline_v1'],
    );
    for (const r of rows) {
      assert.equal(r.predictions_graded, 100);
      assert.ok(Number(r.correct_picks) <= Number(r.picks));
      assert.equal(r.win_rate_pct, Math.round((1000 * Number(r.correct_picks)) / Number(r.picks)) / 10);
    }
  });

  it('best-bets: the most confident picks with an edge, graded', async () => {
    const rows = await exportRun('best-bets', resultsDate);
    assertColumns(rows, [
      'player_lookup',
      'player_full_name',
      'team_abbr',
      'opponent_team_abbr',
      'game_id',
      'recommendation',
      'points_line',
      'predicted_points',
      'edge',
      'confidence_score',
      'actual_points',
      'pick_correct',
    ]);
    assert.ok(rows.length <= 15);
    assert.ok(
      rows.every(
        (r) => Number(r.confidence_score) >= 70 && ['OVER', 'UNDER'].includes(textColumn(r, 'recommendation')),
      ),
    );
    assert.ok(rows.every((r) => typeof r.actual_points === 'number' && typeof r.pick_correct === 'boolean'));
    // Not graded yet: the game date's own picks have no results.
    assert.ok(
      (await exportRun('best-bets', gameDate)).every((r) => r.actual_points === null && r.pick_correct === null),
    );
  });

  it('player-profiles: season to date, only players with @min_games games', async () => {
    const rows = await exportRun('player-profiles', gameDate, 5);
    assertColumns(rows, [
      'player_lookup',
      'player_full_name',
      'team_abbr',
      'games_played',
      'points_avg',
      'minutes_avg',
      'points_high',
      'overs',
      'unders',
      'last_game_date',
    ]);
    assert.equal(rows.length, 100);
    assert.ok(
      rows.every((r) => r.games_played === historyDays + 1 && Number(r.overs) + Number(r.unders) === historyDays + 1),
    );
    assert.ok(rows.every((r) => isDate(r.last_game_date) && r.last_game_date === resultsDate));
    assert.equal((await exportRun('player-profiles', gameDate, historyDays + 2)).length, 0);
  });
});

describe('seeding', () => {
  it('seeding the same date again leaves every table as it was', async () => {
    const before = await tableCounts();
    assert.deepEqual(before, {
      'nba_analytics.player_game_summary': 100 * (historyDays + 1),
      'nba_analytics.upcoming_player_game_context': 100 * (historyDays + 1),
      'nba_precompute.ml_feature_store_v2': 100 * (historyDays + 1),
      'nba_predictions.player_prop_predictions': 200 * historyDays + 170,
      'nba_orchestration.processor_run_history': 4 * (historyDays + 1),
    });
    await seedSampleDay(bigquery, gameDate, { players: 100, predictionCoverage: 0.85 });
    assert.deepEqual(await tableCounts(), before);
  });

  it('seeding a date with fewer players replaces that date only', async () => {
    await seedSampleDay(bigquery, gameDate, { players: 60, predictionCoverage: 0.5 });
    assert.equal(await featureRowCount(bigquery, gameDate), 60);
    assert.deepEqual(await predictionCoverage(bigquery, gameDate), { predicted: 30, expected: 60, pct: 50 });
    assert.equal(await featureRowCount(bigquery, resultsDate), 100);
    assert.equal((await exportRun('results', resultsDate)).length, 60);
    assert.equal((await exportRun('results', addDays(resultsDate, -1))).length, 100);
  });

  it('seeds a date with no predictions at all', async () => {
    const date = '2025-11-20';
    await seedSampleDay(bigquery, date, { players: 10, predictionCoverage: 0 });
    assert.deepEqual(await predictionCoverage(bigquery, date), { predicted: 0, expected: 10, pct: 0 });
    assert.equal((await playersMissingPredictions(bigquery, date)).length, 10);
  });

  it('keeps the data when the emulator restarts (persistent data dir)', async () => {
    await emulator.stop();
    emulator = await timed('emulator restart', startEmulator);
    assert.equal(await featureRowCount(bigquery, gameDate), 60);
    assert.equal(await featureRowCount(bigquery, resultsDate), 100);
  });
});
