// The schedule read against the real bqemulator: the simulated day fills nba_raw.nbac_schedule, and
// the read tells a game day, a day without games and a date the schedule does not cover apart.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { BigQuery } from '@google-cloud/bigquery';
import { runQuery } from '../../src/platform/bigquery';
import { seedSampleDay } from '../../dev/sample/sample-day';
import { scheduledDay, scheduleVerdict } from '../../src/schedule/schedule';
import { addDays } from '../../src/time';
import { startBigQueryEmulator, tempDir, type BigQueryEmulator } from '../helpers/servers';

const gameDay = '2025-12-01';
const dayOff = addDays(gameDay, 2);

let dir: string;
let emulator: BigQueryEmulator;
let bigquery: BigQuery;

before(async () => {
  dir = tempDir('schedule-it');
  emulator = await startBigQueryEmulator(dir, 'nba-props-platform');
  bigquery = emulator.bigquery;
});

after(async () => {
  await emulator?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const games = async (date: string) =>
  Number(
    (await runQuery(bigquery, `SELECT COUNT(*) AS n FROM nba_raw.nbac_schedule WHERE game_date = '${date}'`))[0]?.n,
  );

describe('the schedule read (bqemulator)', () => {
  it('is unknown while the schedule is empty: a real game day is never silenced by a missing table load', async () => {
    assert.deepEqual(await scheduledDay(bigquery, gameDay), {
      gameDate: gameDay,
      verdict: 'unknown',
      games: 0,
      before: 0,
      after: 0,
    });
  });

  it('answers games for a simulated game day, no_games for a simulated day without games', async () => {
    const played = await seedSampleDay(bigquery, gameDay, { players: 100 });
    assert.equal(played.schedule.length, 4, '100 players: 8 teams, 4 games');
    const quiet = await seedSampleDay(bigquery, dayOff, { noGames: true });
    assert.deepEqual(quiet.context, []);
    assert.deepEqual(quiet.features, []);

    const onGameDay = await scheduledDay(bigquery, gameDay);
    assert.equal(onGameDay.verdict, 'games');
    assert.equal(onGameDay.games, 4);
    const onDayOff = await scheduledDay(bigquery, dayOff);
    assert.equal(onDayOff.verdict, 'no_games');
    assert.equal(onDayOff.games, 0);
    assert.ok(onDayOff.before > 0 && onDayOff.after > 0, 'its neighbours have games');
  });

  it('a day without games fills its missing neighbours, never overwriting a neighbour it finds', async () => {
    assert.equal(await games(addDays(dayOff, -1)), 4, 'the day before: filled');
    assert.equal(await games(addDays(dayOff, 1)), 4, 'the day after: filled');
    await runQuery(bigquery, `UPDATE nba_raw.nbac_schedule SET game_status = 'final' WHERE game_date = '${gameDay}'`);
    await seedSampleDay(bigquery, addDays(gameDay, 1), { noGames: true }); // gameDay is its neighbour
    const [row] = await runQuery(
      bigquery,
      `SELECT COUNTIF(game_status = 'final') AS final FROM nba_raw.nbac_schedule WHERE game_date = '${gameDay}'`,
    );
    assert.equal(Number(row?.final), 4, 'the neighbour kept its own rows');
  });

  it('is unknown past the last scheduled date (next season not loaded yet)', async () => {
    const later = addDays(dayOff, 30);
    const answer = await scheduledDay(bigquery, later);
    assert.equal(answer.verdict, 'unknown');
    assert.equal(answer.after, 0);
  });

  it('does not count a game that is postponed', async () => {
    const date = addDays(dayOff, -1);
    await runQuery(bigquery, `UPDATE nba_raw.nbac_schedule SET game_status = 'postponed' WHERE game_date = '${date}'`);
    assert.equal((await scheduledDay(bigquery, date)).verdict, 'no_games');
  });
});

describe('the schedule rule', () => {
  it('needs the schedule on both sides of the date to call it a day without games', () => {
    assert.equal(scheduleVerdict({ games: 3, before: 0, after: 0 }), 'games');
    assert.equal(scheduleVerdict({ games: 0, before: 5, after: 5 }), 'no_games');
    assert.equal(scheduleVerdict({ games: 0, before: 5, after: 0 }), 'unknown');
    assert.equal(scheduleVerdict({ games: 0, before: 0, after: 5 }), 'unknown');
  });
});
