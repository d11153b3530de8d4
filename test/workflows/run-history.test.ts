// The run never waits on its own bookkeeping: a run history that cannot be written past its
// deadline raises an alert while triggers keep going out, an operator's phase 4 trigger racing
// phase 3's last completion starts one cascade (a cascade that already exists counts as started), and a flood of oversized phase 4 completions
// before phase 3 completes is carried across continue-as-new without ending the run.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunEvent } from '../../src/messages/run-event';
import { triggerPhase } from '../../src/cli/trigger';
import { addDays } from '../../src/time';
import { gameDayChildId, gameDayTriggerId, triggerKeys, workflowIdFor } from '../../src/pipeline/ids';
import { gameDayWorkflow } from '../../src/game-day/workflow';
import { phase4CascadeWorkflow } from '../../src/phase4/cascade';
import { openSignal } from '../../src/date-run/signals';
import { eventually, eventuallyOnServerClock } from '../helpers/eventually';
import { completion, processorNames } from '../helpers/messages';
import { memoryRunHistory, timeSkippingWorker, type TestWorker } from '../helpers/servers';
import { recordingActivities } from '../helpers/activities';
import { dateRuns } from '../helpers/date-runs';

const taskQueue = 'game-day-run-history';
let env: TestWorkflowEnvironment;
let testWorker: TestWorker;
const runHistory = memoryRunHistory();
const { activities: recording, alerts, triggersFor } = recordingActivities();
/** Dates whose run-history writes fail (BigQuery down). */
const historyDownFor = new Set<string>();

before(async () => {
  testWorker = await timeSkippingWorker(taskQueue, {
    ...runHistory.activities,
    ...recording,
    recordRunEvents(batch: RunEvent[]) {
      if (batch.some((e) => historyDownFor.has(e.gameDate)))
        return Promise.reject(ApplicationFailure.retryable('BigQuery is unavailable'));
      return runHistory.activities.recordRunEvents(batch);
    },
  });
  env = testWorker.env;
});

after(() => testWorker.stop());

const { send, status, completePhase } = dateRuns(() => env.client, taskQueue);
const { eventsOf } = runHistory;
const operator = { reason: 'phase 3 verified by hand', requestedBy: 'ops@test' };

describe('the run and its history', () => {
  it('fires its trigger while the run history cannot be written, alerts past the deadline, and writes once it can', async () => {
    const date = '2025-10-01';
    historyDownFor.add(date);
    await completePhase(date, 'phase2');
    await eventually(
      () => Promise.resolve(triggersFor(date, 'nba-phase3-trigger')),
      (fired) => fired.length === 1,
      'the phase 3 trigger with the history down',
    );
    assert.equal(alerts.filter((a) => a.game_date === date).length, 0, 'no alert before the deadline');

    await env.sleep(3 * 60_000); // past the write's deadline: the server's clock skips the retries
    const alert = await eventuallyOnServerClock(
      env,
      () => alerts.find((a) => a.game_date === date && a.kind === 'run-history-failing'),
      Boolean,
      'the run-history-failing alert',
    );
    assert.equal(alert?.severity, 'warning');
    // The run goes on: the next phase's completions are still taken.
    await send(completion('phase3', processorNames('phase3')[0]!, date));
    assert.equal((await status(date)).phases.phase3.completed_count, 1);
    assert.equal(eventsOf(date).length, 0);

    historyDownFor.delete(date);
    await env.sleep(2 * 60_000); // the run's next try
    const written = await eventuallyOnServerClock(
      env,
      () => eventsOf(date),
      (events) => events.some((e) => e.kind === 'trigger'),
      'the events once the history is back',
    );
    assert.equal(written.filter((e) => e.kind === 'completion').length, 22);
    assert.ok(written.some((e) => e.kind === 'alert' && e.detail?.kind === 'run-history-failing'));
    assert.equal(triggersFor(date, 'nba-phase3-trigger').length, 1);
  });

  it("starts one phase 4 cascade when an operator's trigger races phase 3's last completion", async () => {
    const date = '2025-10-02';
    await completePhase(date, 'phase2');
    const [last, ...first4] = processorNames('phase3');
    await completePhase(date, 'phase3', first4);
    await eventually(
      () => status(date),
      (s) => s.phases.phase3.completed_count === 4,
    );

    // The completion first: the rules start the cascade while the operator's command arrives.
    await send(completion('phase3', last!, date));
    const operatorTrigger = await triggerPhase(env.client, date, { phase: 'phase4', ...operator });
    assert.equal(operatorTrigger.triggerId, gameDayTriggerId(date, triggerKeys.phase4Level(1)));

    const level1 = triggersFor(date, 'nba-phase4-trigger');
    assert.equal(level1.length, 1, 'level 1 fired once');
    const cascade = await testWorker.client.workflow.getHandle(gameDayChildId(date, 'phase4')).describe();
    assert.equal(cascade.status.name, 'RUNNING');
    const run = await testWorker.client.workflow.getHandle(workflowIdFor(date)).describe();
    assert.equal(run.status.name, 'RUNNING', 'the run did not fail');
    assert.equal((await status(date)).waiting_on, 'phase4');
  });

  it('counts a phase 4 cascade that already exists as started: the run does not fail', async () => {
    const slate = '2025-10-11';
    const night = addDays(slate, -1);
    // The opener opened the slate's run; the other path won the race: its cascade is already running.
    await env.client.workflow.signalWithStart(gameDayWorkflow, {
      workflowId: workflowIdFor(slate),
      taskQueue,
      args: [{ gameDate: slate }],
      signal: openSignal,
      signalArgs: [],
    });
    await testWorker.client.workflow.start(phase4CascadeWorkflow, {
      workflowId: gameDayChildId(slate, 'phase4'),
      taskQueue,
      args: [{ gameDate: slate, correlationId: `corr-${night}`, backfill: false, received: {} }],
    });
    await completePhase(night, 'phase2');
    await completePhase(night, 'phase3');
    const s = await eventually(
      () => status(slate),
      (st) => st.slate?.results_of === night,
      "the slate given the night's results",
    );
    assert.equal(s.waiting_on, 'phase4');
    const run = await testWorker.client.workflow.getHandle(workflowIdFor(slate)).describe();
    assert.equal(run.status.name, 'RUNNING', 'the run did not fail');
  });

  it('keeps going after 100 oversized phase 4 completions arrive before phase 3 completes', async () => {
    const date = '2025-10-16';
    const night = addDays(date, -1);
    // A low continue-as-new threshold: the backlog is carried across several runs.
    await env.client.workflow.signalWithStart(gameDayWorkflow, {
      workflowId: workflowIdFor(date),
      taskQueue,
      args: [{ gameDate: date, continueAsNewAfterEvents: 120 }],
      signal: openSignal,
      signalArgs: [],
    });
    const firstRun = (await testWorker.client.workflow.getHandle(workflowIdFor(date)).describe()).runId;
    const phase4 = processorNames('phase4');
    const padding = 'x'.repeat(60 * 1024);
    for (let i = 0; i < 100; i += 1) {
      const processor = phase4[i % phase4.length]!;
      await send(
        completion('phase4', processor, date, {
          executionId: `${processor}-${date}-run${i}`,
          status: i % 3 === 0 ? 'failed' : 'success',
          metadata: { padding, players_ready: 400 + i, players_total: 500 },
        }),
      );
    }
    const afterFlood = await status(date);
    assert.equal(afterFlood.slate?.results_of, null, 'the slate still waits for its night');
    await eventually(
      () => testWorker.client.workflow.getHandle(workflowIdFor(date)).describe(),
      (run) => run.runId !== firstRun && run.status.name === 'RUNNING',
      'the run continued as new with the backlog',
    );

    await completePhase(night, 'phase2');
    await completePhase(night, 'phase3');
    await eventually(
      () => Promise.resolve(triggersFor(date, 'nba-phase4-trigger').length),
      (n) => n >= 1,
      "the cascade fired level 1 once the night's results arrived",
    );
    assert.equal(triggersFor(night, 'nba-phase3-trigger').length, 1);
    const run = await testWorker.client.workflow.getHandle(workflowIdFor(date)).describe();
    assert.equal(run.status.name, 'RUNNING');
  });
});
