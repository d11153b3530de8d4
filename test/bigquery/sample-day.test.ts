// The sample game day and the DDL file, without a server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ddlStatements } from '../../src/platform/bigquery';
import { maxPlayers, roster, sampleDay } from '../../dev/sample/sample-day';
import { addDays } from '../../src/time';

describe('sampleDay', () => {
  const day = sampleDay('2025-12-12', { players: 100, predictionCoverage: 0.85 });

  it('is the same every time for the same date and options', () => {
    assert.deepEqual(sampleDay('2025-12-12', { players: 100, predictionCoverage: 0.85 }), day);
    assert.notDeepEqual(
      sampleDay('2025-12-13', { players: 100, predictionCoverage: 0.85 }).predictions,
      day.predictions,
    );
  });

  it('predicts the given share of the players, with every system', () => {
    assert.equal(day.features.length, 100);
    assert.equal(new Set(day.features.map((f) => f.player_lookup)).size, 100);
    assert.equal(new Set(day.predictions.map((p) => p.player_lookup)).size, 85);
    assert.equal(day.predictions.length, 170);
    assert.equal(day.missingPredictions.length, 15);
    const predicted = new Set(day.predictions.map((p) => p.player_lookup));
    assert.ok(day.missingPredictions.every((name) => !predicted.has(name)));
    assert.equal(sampleDay('2025-12-12', { players: 10, predictionCoverage: 0 }).predictions.length, 0);
  });

  it('grades the previous date: lines end in .5, so each result is OVER or UNDER', () => {
    assert.equal(day.resultsDate, '2025-12-11');
    for (const r of day.results) {
      assert.equal(r.points_line % 1, 0.5);
      assert.equal(r.over_under_result, r.points > r.points_line ? 'OVER' : 'UNDER');
      assert.ok(r.game_id.startsWith('20251211_'));
    }
  });

  it('puts each team in one game against another team', () => {
    const teamsByGame = new Map<string, Set<string>>();
    for (const c of day.context) teamsByGame.set(c.game_id, (teamsByGame.get(c.game_id) ?? new Set()).add(c.team_abbr));
    for (const [gameId, teams] of teamsByGame) {
      assert.ok(teams.size <= 2, gameId);
      for (const team of teams) assert.ok(gameId.includes(team), gameId);
    }
    assert.ok(day.context.every((c) => c.team_abbr !== c.opponent_team_abbr));
  });

  it('recommends from the edge between prediction and line', () => {
    for (const p of day.predictions) {
      const edge = p.predicted_value - p.line_value;
      assert.equal(p.recommendation, edge >= 1.5 ? 'OVER' : edge <= -1.5 ? 'UNDER' : 'PASS');
      assert.ok(p.confidence_score >= 50 && p.confidence_score <= 95);
    }
  });

  it('rejects options it cannot honour', () => {
    assert.throws(() => sampleDay('2025-12-12', { players: maxPlayers + 1 }), /players/);
    assert.throws(() => sampleDay('2025-12-12', { predictionCoverage: 1.5 }), /predictionCoverage/);
    assert.throws(() => sampleDay('12/12/2025'), /YYYY-MM-DD/);
  });

  it('has a unique name for every player of the full roster', () => {
    assert.equal(new Set(roster(maxPlayers).map((p) => p.playerLookup)).size, maxPlayers);
  });
});

describe('addDays', () => {
  it('crosses month and year ends', () => {
    assert.equal(addDays('2025-01-01', -1), '2024-12-31');
    assert.equal(addDays('2024-02-28', 1), '2024-02-29');
  });
});

describe('a day without games', () => {
  it('has no players, an empty schedule, and its neighbours scheduled with games', () => {
    const day = sampleDay('2025-12-24', { noGames: true });
    assert.deepEqual([day.context, day.features, day.predictions, day.schedule], [[], [], [], []]);
    assert.deepEqual(
      day.neighbours.map((n) => [n.gameDate, n.schedule.length]),
      [
        ['2025-12-23', 4],
        ['2025-12-25', 4],
      ],
    );
    assert.equal(day.results.length, 100, 'the day before was played: its results are there');
  });

  it('a game day schedules each game once, home and away', () => {
    const day = sampleDay('2025-12-24');
    assert.equal(day.schedule.length, 4);
    assert.deepEqual(day.neighbours, []);
    for (const game of day.schedule) assert.ok(game.game_id.endsWith(`_${game.away_team_abbr}_${game.home_team_abbr}`));
  });
});

describe('ddlStatements', () => {
  it('splits the DDL file into its statements, datasets first', () => {
    const statements = ddlStatements();
    assert.equal(statements.length, 13);
    assert.ok(statements.slice(0, 5).every((s) => s.startsWith('CREATE SCHEMA IF NOT EXISTS')));
    assert.ok(statements.slice(5).every((s) => s.startsWith('CREATE TABLE IF NOT EXISTS')));
    assert.ok(statements.every((s) => !s.includes('--') && !s.endsWith(';')));
  });
});
