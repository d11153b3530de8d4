import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { addDays } from '../../src/time';
import type { Phase4LevelTrigger } from '../../src/messages/trigger';
import { gameDayTriggerId, triggerKeys, workflowIdFor } from '../../src/pipeline/ids';
import { completion, processorNames } from '../helpers/messages';
import { expiredBy } from '../helpers/clock';
import { eventually } from '../helpers/eventually';
import { timeSkippingWorker, type TestWorker } from '../helpers/servers';
import { recordingActivities } from '../helpers/activities';
import { dateRuns } from '../helpers/date-runs';

const taskQueue = 'game-day-test';
let env: TestWorkflowEnvironment;
let testWorker: TestWorker;
// Records what would go to Pub/Sub; the Pub/Sub path itself is tested against the emulator.
const { activities: recording, alerts, triggersFor } = recordingActivities();
/** The schedule's next game date after a date, where a test says (else the next day); `unknown`: BigQuery down. */
const nextGameDates = new Map<string, string>();

before(async () => {
  testWorker = await timeSkippingWorker(taskQueue, {
    ...recording,
    nextGameDate: (gameDate: string) => {
      const next = nextGameDates.get(gameDate);
      if (next === 'unknown') return Promise.reject(new Error('BigQuery unavailable'));
      return Promise.resolve(next ?? addDays(gameDate, 1));
    },
  });
  env = testWorker.env;
});

after(() => testWorker.stop());

const { send, status, completePhase } = dateRuns(() => env.client, taskQueue);

describe('game-day workflow', () => {
  it('fires the phase 3 trigger exactly once, on the 21st completion', async () => {
    const date = '2025-11-01';
    const [last, ...first20] = processorNames('phase2');
    await completePhase(date, 'phase2', first20);

    const before21 = await status(date);
    assert.equal(before21.phases.phase2.status, 'in_progress');
    assert.equal(before21.phases.phase2.completed_count, 20);
    assert.equal(before21.phases.phase2.expected_count, 21);
    assert.deepEqual(before21.phases.phase2.missing_processors, [last]);
    assert.equal(triggersFor(date).length, 0);

    await send(completion('phase2', last!, date));
    const after21 = await eventually(
      () => status(date),
      (s) => s.phases.phase2.status === 'triggered',
    );
    assert.equal(after21.phases.phase2.completed_count, 21);
    assert.ok(after21.phases.phase2.triggered_at);
    assert.equal(after21.results?.handed_over_to, null, 'phase 3 not complete: nothing handed over yet');

    await completePhase(date, 'phase2'); // every processor again: duplicates
    await status(date);
    const triggers = triggersFor(date);
    assert.equal(triggers.length, 1);
    assert.deepEqual(
      { ...triggers[0]!.message, timestamp: 't' },
      {
        game_date: date,
        correlation_id: `corr-${date}`,
        trigger_source: 'orchestrator',
        triggered_by: 'phase2_to_phase3_orchestrator',
        upstream_processors_count: 21,
        timestamp: 't',
        trigger_id: gameDayTriggerId(date, triggerKeys.phase3),
        phase: 'phase3',
      },
    );
    assert.equal(triggers[0]!.topic, 'nba-phase3-trigger');
  });

  it('counts a duplicate delivery once', async () => {
    const date = '2025-11-02';
    const [a, b] = processorNames('phase2');
    await send(completion('phase2', a!, date));
    await send(completion('phase2', a!, date));
    await send(completion('phase2', a!, date, { executionId: 'a-retry-run' }));
    await send(completion('phase2', b!, date));
    const s = await status(date);
    assert.equal(s.phases.phase2.completed_count, 2);
    assert.deepEqual(s.phases.phase2.completed_processors, [a, b]);
  });

  it('does not count failed, and counts a later success of the same processor', async () => {
    const date = '2025-11-03';
    const [a] = processorNames('phase2');
    await send(completion('phase2', a!, date, { status: 'failed', executionId: 'first-try' }));
    let s = await status(date);
    assert.equal(s.phases.phase2.completed_count, 0);
    assert.deepEqual(s.phases.phase2.failed_processors, [a]);

    await send(completion('phase2', a!, date, { status: 'success', executionId: 'second-try' }));
    s = await status(date);
    assert.equal(s.phases.phase2.completed_count, 1);
    assert.deepEqual(s.phases.phase2.failed_processors, []);
  });

  it('counts no_data for every processor, optional or not', async () => {
    const date = '2025-11-04';
    await send(completion('phase2', 'CdnInjuryReportProcessor', date, { status: 'no_data' }));
    await send(completion('phase2', 'BdlGamesProcessor', date, { status: 'no_data' }));
    const s = await status(date);
    assert.deepEqual(s.phases.phase2.completed_processors, ['BdlGamesProcessor', 'CdnInjuryReportProcessor']);
    assert.ok(!s.phases.phase2.missing_processors.includes('BdlGamesProcessor'));
  });

  it("hands complete results over to the next date's slate, whose phase 4 names that date and carries the results' id", async () => {
    const date = '2025-11-10';
    const next = '2025-11-11';
    await completePhase(date, 'phase2');
    await completePhase(date, 'phase3', processorNames('phase3').slice(0, 4));
    let s = await eventually(
      () => status(date),
      (v) => v.phases.phase2.status === 'triggered',
    );
    assert.equal(s.phases.phase3.status, 'in_progress');
    assert.equal(s.phases.phase3.completed_count, 4);

    await completePhase(date, 'phase3');
    await completePhase(date, 'phase3');
    s = await eventually(
      () => status(date),
      (v) => v.phases.phase3.status === 'triggered',
    );
    assert.deepEqual(
      [s.results?.handed_over_to, s.results?.next_by, s.results?.correlation_id],
      [next, 'schedule', `corr-${date}`],
    );
    assert.equal(
      triggersFor(date).filter((t) => t.topic === 'nba-phase4-trigger').length,
      0,
      "the date's own slate is not started by its results",
    );
    const level1 = await eventually(
      () => triggersFor(next).filter((t) => t.topic === 'nba-phase4-trigger'),
      (l) => l.length > 0,
    );
    assert.equal(level1.length, 1);
    const trigger = level1[0]!.message as Phase4LevelTrigger;
    assert.equal(trigger.trigger_id, gameDayTriggerId(next, triggerKeys.phase4Level(1)));
    assert.deepEqual(trigger.processors, ['team_defense_zone', 'player_shot_zone', 'player_daily_cache']);
    assert.equal(trigger.results_of, date);
    assert.equal(trigger.correlation_id, `corr-${date}`, "the slate carries the results' correlation id");
    const slate = await status(next);
    assert.deepEqual(
      [slate.slate?.results_of, slate.slate?.source, slate.slate?.correlation_id],
      [date, 'orchestrator', `corr-${date}`],
    );
  });

  it('hands the results over past a day without games, to the next game date on the schedule', async () => {
    const date = '2025-11-12';
    nextGameDates.set(date, '2025-11-14'); // no games on the 13th
    await completePhase(date, 'phase2');
    await completePhase(date, 'phase3');
    const level1 = await eventually(
      () => triggersFor('2025-11-14').filter((t) => t.topic === 'nba-phase4-trigger'),
      (l) => l.length > 0,
    );
    assert.equal((level1[0]!.message as Phase4LevelTrigger).results_of, date);
    assert.equal((await status(date)).results?.handed_over_to, '2025-11-14');
    assert.equal(triggersFor('2025-11-13').length, 0);
    await assert.rejects(
      testWorker.client.workflow.getHandle(workflowIdFor('2025-11-13')).describe(),
      'the day without games got no run',
    );
  });

  it('hands the results over to the next day when the schedule does not say', async () => {
    const date = '2025-11-16';
    nextGameDates.set(date, 'unknown');
    await completePhase(date, 'phase2');
    await completePhase(date, 'phase3');
    const s = await eventually(
      () => status(date),
      (v) => v.phases.phase3.status === 'triggered',
    );
    assert.deepEqual([s.results?.handed_over_to, s.results?.next_by], ['2025-11-17', 'next-day']);
    const level1 = await eventually(
      () => triggersFor('2025-11-17').filter((t) => t.topic === 'nba-phase4-trigger'),
      (l) => l.length > 0,
    );
    assert.equal((level1[0]!.message as Phase4LevelTrigger).results_of, date);
  });

  it('in backfill mode tracks completion but publishes nothing', async () => {
    const date = '2025-11-06';
    for (const name of processorNames('phase2')) {
      await send(completion('phase2', name, date, { skipDownstreamTrigger: true }));
    }
    const s = await eventually(
      () => status(date),
      (v) => v.phases.phase2.status === 'skipped',
    );
    assert.equal(s.backfill, true);
    assert.equal(s.phases.phase2.completed_count, 21);
    assert.equal(triggersFor(date).length, 0);
  });

  it('a date that never completes closes as expired', async () => {
    const date = '2025-11-08';
    await send(completion('phase2', 'BdlGamesProcessor', date));
    assert.equal(await testWorker.resultBy(workflowIdFor(date), await expiredBy(env)), 'expired');
    assert.equal(triggersFor(date).length, 0);
    assert.deepEqual(
      alerts.filter((a) => a.game_date === date).map((a) => [a.kind, a.severity]),
      [['date-expired', 'critical']],
    );
  });
});
