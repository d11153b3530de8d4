// The game-day run keeps its promise under faults: continue-as-new in the middle of a trigger, a
// date that closed before Temporal forgot it, a BigQuery outage at the backup deadline, a failing
// phase 5, a better batch after a rejected one, a stray backfill flag on a live day.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ExportRun } from '../../src/exports/activities';
import { addDays } from '../../src/time';
import { pipeline } from '../../src/pipeline/definition';
import { gameDayTriggerId, phase5WorkflowId, triggerKeys, workflowIdFor } from '../../src/pipeline/ids';
import { zonedInstant } from '../../src/time';
import { gameDayWorkflow } from '../../src/game-day/workflow';
import { openSignal } from '../../src/date-run/signals';
import { calendarDateIn } from '../../src/time';
import { completion, processorNames } from '../helpers/messages';
import { expiredBy, phase5Over } from '../helpers/clock';
import { eventually } from '../helpers/eventually';
import { memoryRunHistory, timeSkippingWorker, type TestWorker } from '../helpers/servers';
import { recordingActivities } from '../helpers/activities';
import { dateRuns, started } from '../helpers/date-runs';

const taskQueue = 'game-day-faults';
let env: TestWorkflowEnvironment;
let testWorker: TestWorker;
const runHistory = memoryRunHistory();
/** Publishes of these trigger ids wait until released: a slow Pub/Sub. */
const held = new Map<string, Promise<void>>();
/** Per date, how many more times BigQuery's feature count fails before it answers. */
const featureOutage = new Map<string, number>();
/** Dates whose alert route is down. */
const alertsFailFor = new Set<string>();
/** Trigger ids Pub/Sub refuses for good: the step that publishes them fails. */
const refused = new Set<string>();
const {
  activities: recording,
  published,
  alerts,
  triggersFor,
} = recordingActivities({
  async onPublish(request) {
    if (refused.has(request.message.trigger_id)) throw ApplicationFailure.nonRetryable('topic refused the message');
    const gate = held.get(request.message.trigger_id);
    while (gate && !(await Promise.race([gate.then(() => true), sleep(500).then(() => false)])))
      Context.current().heartbeat();
  },
  onAlert(alert) {
    if (alertsFailFor.has(alert.game_date)) throw ApplicationFailure.nonRetryable('alert route rejected the alert');
  },
});

before(async () => {
  testWorker = await timeSkippingWorker(taskQueue, {
    ...runHistory.activities,
    ...recording,
    featureRowCount(gameDate: string) {
      const left = featureOutage.get(gameDate) ?? 0;
      if (left > 0) {
        featureOutage.set(gameDate, left - 1);
        return Promise.reject(new Error('BigQuery is unavailable'));
      }
      return Promise.resolve(300);
    },
    playersMissingPredictions: () => Promise.resolve(['lebron-james']),
    predictionCoverage: () => Promise.resolve({ predicted: 70, expected: 100, pct: 70 }),
    runExport: (run: ExportRun) => Promise.resolve({ exportType: run.exportType, paths: [], rowCount: 0 }),
    publishExportComplete: () => Promise.resolve('export-complete'),
  });
  env = testWorker.env;
});

after(() => testWorker.stop());

const { send, status } = dateRuns(() => env.client, taskQueue);
const triggerIds = (date: string) => triggersFor(date).map((p) => p.message.trigger_id);
/** Today's game date by the server's clock, which time skipping moves ahead of the machine's. */
const today = async () => calendarDateIn('America/Los_Angeles', new Date(await env.currentTimeMs()));

/** Waits (time skipping) until the date's phase 5 child has run its course; with `restart`, its replacement. */
async function phase5Result(date: string, restart?: string): Promise<void> {
  const first = await started(testWorker.client, phase5WorkflowId(date));
  await testWorker.skipTo(phase5Over(date));
  if (!restart) {
    await first.result();
    return;
  }
  await assert.rejects(first.result(), 'the first phase 5 fails');
  await (await started(testWorker.client, `${phase5WorkflowId(date)}${restart}`)).result();
}

/** Opens the date's run as the bridge would, but with a low continue-as-new threshold. */
async function openWithThreshold(date: string, continueAsNewAfterEvents: number): Promise<string> {
  const handle = await env.client.workflow.signalWithStart(gameDayWorkflow, {
    workflowId: workflowIdFor(date),
    taskQueue,
    args: [{ gameDate: date, continueAsNewAfterEvents }],
    signal: openSignal,
    signalArgs: [],
  });
  return handle.signaledRunId;
}

async function storm(date: string, count: number): Promise<void> {
  const first = processorNames('phase2')[0]!;
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: 50 }, () => send(completion('phase2', first, date))));
  }
}

describe('the game-day run under faults', () => {
  // Tests that wait for time to skip come first: after an activity that heartbeats (the slow publish),
  // the time-skipping server no longer skips time.
  it('records its close in the run history', async () => {
    const date = '2025-10-03';
    await send(completion('phase2', 'BdlGamesProcessor', date));
    assert.equal(await testWorker.resultBy(workflowIdFor(date), await expiredBy(env)), 'expired');
    const closed = runHistory.closed.get(date);
    assert.equal(closed?.outcome, 'expired');
    assert.equal(closed?.correlationId, `corr-${date}`);
  });

  it('starts predictions through a BigQuery outage at the backup deadline', async () => {
    const date = addDays(await today(), 3);
    featureOutage.set(date, 8); // about six minutes of failures with the activity's backoff
    await send(completion('phase2', 'BdlGamesProcessor', date));
    await phase5Result(date); // time moves past 06:00 PT
    const starts = triggersFor(date, pipeline.topics.phase5Start);
    assert.equal(starts.length, 1);
    assert.equal(starts[0]!.message.trigger_source, 'backup');
    assert.equal(featureOutage.get(date), 0, 'it waited the outage out');
  });

  it('starts predictions by the end of the backup window even when BigQuery never answers', async () => {
    const date = addDays(await today(), 5);
    featureOutage.set(date, 10_000);
    await send(completion('phase2', 'BdlGamesProcessor', date));
    await phase5Result(date);
    const [start, ...more] = published.filter(
      (p) => p.message.game_date === date && p.topic === pipeline.topics.phase5Start,
    );
    assert.equal(more.length, 0);
    assert.equal(start?.message.trigger_source, 'backup');
    const late = Date.parse(start.message.timestamp) - zonedInstant(date, '06:30', pipeline.phase5.timeZone);
    assert.ok(late >= 0 && late < 2 * 60_000, `started ${late / 1000} s after 06:30, the end of the backup window`);
  });

  it('a failed phase 5 runs again where it was, with an alert, without a second start', async () => {
    const date = addDays(await today(), 4);
    refused.add(gameDayTriggerId(date, triggerKeys.phase5Retry(1))); // the 06:15 retry fails phase 5
    await send(completion('phase2', 'BdlGamesProcessor', date));
    await phase5Result(date, '/restart-1'); // time moves past 07:00
    const restarted = alerts.find((a) => a.game_date === date && /started again/.test(a.title));
    assert.equal(restarted?.severity, 'critical');
    assert.match(String(restarted?.details?.reason), /topic refused the message/);
    const sent = published.filter((p) => p.message.game_date === date).map((p) => p.message.trigger_id);
    assert.deepEqual(
      sent,
      [gameDayTriggerId(date, triggerKeys.phase5), gameDayTriggerId(date, triggerKeys.phase5Retry(2))],
      'one start; the restart goes on with the 06:30 retry',
    );
  });

  it('restarts a failed phase 5 even while the alert route is down', async () => {
    const date = addDays(await today(), 6);
    refused.add(gameDayTriggerId(date, triggerKeys.phase5Retry(1)));
    alertsFailFor.add(date);
    await send(completion('phase2', 'BdlGamesProcessor', date));
    await phase5Result(date, '/restart-1');
    assert.ok(
      triggerIds(date).includes(gameDayTriggerId(date, triggerKeys.phase5Retry(2))),
      'the restarted phase 5 ran its 06:30 retry',
    );
  });

  it('continues as new only between steps: a slow publish, a duplicate storm, a backlog → one trigger each, nothing lost', async () => {
    const date = '2025-10-01';
    const firstRunId = await openWithThreshold(date, 150);
    let release!: () => void;
    held.set(gameDayTriggerId(date, triggerKeys.phase3), new Promise<void>((resolve) => (release = resolve)));

    // Level 1 of phase 4 reports before the cascade exists: the run keeps it for the cascade.
    for (const name of pipeline.phase4Levels[0]!.processors) await send(completion('phase4', name, date));
    for (const name of processorNames('phase2')) await send(completion('phase2', name, date));
    // The phase 3 publish hangs while a storm makes the history long enough to continue as new.
    await storm(date, 400);
    const chain = env.client.workflow.getHandle(workflowIdFor(date));
    assert.equal((await chain.describe()).runId, firstRunId, 'no continue-as-new inside the publish step');
    release();

    const moved = await eventually(
      () => chain.describe(),
      (d) => d.runId !== firstRunId,
      'a continue-as-new after the step',
    );
    assert.equal(moved.status.name, 'RUNNING');
    // The night before hands its results over: the cascade starts with the level 1 it was given.
    const night = addDays(date, -1);
    for (const phase of ['phase2', 'phase3'] as const)
      for (const name of processorNames(phase)) await send(completion(phase, name, night));
    await eventually(
      () => status(date),
      (s) => s.triggers?.['phase4/2'] !== undefined,
      'level 2, from the handed-over level 1',
    );
    await storm(date, 200);
    await eventually(
      () => chain.describe(),
      (d) => d.runId !== moved.runId,
      'another continue-as-new',
    );

    const ids = triggerIds(date);
    assert.deepEqual(ids.sort(), [
      gameDayTriggerId(date, triggerKeys.phase3),
      gameDayTriggerId(date, triggerKeys.phase4Level(1)),
      gameDayTriggerId(date, triggerKeys.phase4Level(2)),
    ]);
    const s = await status(date);
    assert.equal(s.phases.phase2.completed_count, 21);
    assert.deepEqual(s.phases.phase4.completed_processors, pipeline.phase4Levels[0]!.processors);
  });

  it('a date that closed before (Temporal has forgotten it) ends at once as late, dead-letters what came, publishes nothing', async () => {
    const date = '2025-10-02';
    runHistory.closed.set(date, {
      gameDate: date,
      runId: 'purged-run',
      workflowId: workflowIdFor(date),
      outcome: 'completed',
      correlationId: 'corr-old',
      openedAt: '2025-10-02T10:00:00.000Z',
      closedAt: '2025-10-03T16:00:00.000Z',
    });
    await send(completion('phase5', 'PredictionCoordinator', date, { metadata: { completion_pct: 95 } }));
    const outcome = await testWorker.client.workflow.getHandle<typeof gameDayWorkflow>(workflowIdFor(date)).result();
    assert.equal(outcome, 'late');
    assert.deepEqual(triggerIds(date), []);
    const dead = runHistory.deadLettered.filter((d) => d.completions.some((c) => c.gameDate === date));
    assert.equal(dead.length, 1);
    assert.match(dead[0]!.reason, /^late: game-day-2025-10-02 closed \(completed, 2025-10-03T16:00:00.000Z\)/);
  });

  it('a later partial of the same batch with a higher completion_pct passes the 5→6 gate', async () => {
    const date = '2025-10-05';
    const batch = (pct: number) =>
      completion('phase5', 'PredictionCoordinator', date, {
        status: 'partial',
        executionId: 'batch-1',
        metadata: { completion_pct: pct },
      });
    await send(batch(70));
    await send(batch(85));
    await eventually(
      () => status(date),
      (s) => s.triggers?.phase6 !== undefined,
      'the export trigger',
    );
    assert.deepEqual(triggerIds(date), [gameDayTriggerId(date, triggerKeys.phase6)]);
  });

  it('one skip_downstream_trigger does not silence a live date', async () => {
    const date = await today();
    const [first, ...rest] = processorNames('phase2');
    await send(completion('phase2', first!, date, { skipDownstreamTrigger: true }));
    for (const name of rest) await send(completion('phase2', name, date));
    const s = await eventually(
      () => status(date),
      (v) => v.phases.phase2.status === 'triggered',
      'the phase 3 trigger',
    );
    assert.equal(s.backfill, false);
    assert.ok(triggerIds(date).includes(gameDayTriggerId(date, triggerKeys.phase3)));
  });
});
