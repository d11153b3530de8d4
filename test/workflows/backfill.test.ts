// The backfill workflow over many past dates on the time-skipping server, with the real date runs.
// The processors behave as the real ones do when asked to skip downstream triggers: they publish no
// completion and only write their run history rows (a double of processor_run_history here; the
// BigQuery read itself is tested against bqemulator in test/bigquery/backfill-reads.integration.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createBackfillActivities, type BackfillReads } from '../../src/backfill/activities';
import { backfillDatesOf } from '../../src/backfill/reads';
import { addDays } from '../../src/time';
import type { ExportComplete } from '../../src/messages/export-message';
import type { Trigger } from '../../src/messages/trigger';
import { phaseDefinition, pipeline, type PhaseKey } from '../../src/pipeline/definition';
import { backfillTriggerId, workflowIdFor } from '../../src/pipeline/ids';
import type { ExportRun, ExportWritten } from '../../src/exports/activities';
import {
  backfillProgressQuery,
  backfillWorkflow,
  cancelBackfillSignal,
  pauseBackfillUpdate,
  resumeBackfillUpdate,
  type BackfillProgress,
} from '../../src/backfill/workflow';
import { datesOf } from '../../src/backfill/plan';
import { stepFiredSignal } from '../../src/date-run/signals';
import { statusQuery } from '../../src/date-run/status';
import { recordingActivities } from '../helpers/activities';
import {
  everyDayHasGames,
  holdingTheClock,
  memoryRunHistory,
  clockHoldingClient,
  timeSkippingEnvironment,
  workflowBundle,
} from '../helpers/servers';

const taskQueue = 'backfill-test';
/** The worker-restart test's own queue: its workers keep no cache, the others' worker does. */
const restartQueue = 'backfill-restart-test';
let env: TestWorkflowEnvironment;
let client: Client;
const exported: ExportComplete[] = [];
const history = memoryRunHistory();
/** processor_run_history as the processors write it: one row per run. */
const runRows: { dataDate: string; processor: string; completedAt: string }[] = [];
/** Dates whose processors never answer (a slow day), so the backfill waits on them. */
const silentDates = new Set<string>();
/** Dates whose phase 3 processors never answer (a slow night); their slate's processors do. */
const silentNights = new Set<string>();
const heldBack: Trigger[] = [];
/** Days without games in the schedule double. */
const offDays = new Set(['2024-01-08', '2024-01-15']);

const required = (phase: PhaseKey) =>
  phaseDefinition(phase)
    .processors.filter((p) => !p.optional)
    .map((p) => p.name);

/** The processors a trigger starts: they write their run history rows and publish nothing (the flag). */
async function answer(trigger: Trigger): Promise<void> {
  if (silentDates.has(trigger.game_date) || (trigger.phase === 'phase3' && silentNights.has(trigger.game_date))) {
    heldBack.push(trigger);
    return;
  }
  const completedAt = new Date(await env.currentTimeMs()).toISOString();
  const write = (names: string[]) =>
    runRows.push(...names.map((processor) => ({ dataDate: trigger.game_date, processor, completedAt })));
  if (trigger.phase === 'phase3') write(required('phase3'));
  if (trigger.phase === 'phase4' && 'level' in trigger) write(trigger.processors);
  if (trigger.phase === 'phase5' && 'players_ready' in trigger) write(required('phase5'));
}

/** The slow dates' processors catch up: they answer the triggers they held. */
async function catchUp(): Promise<void> {
  silentDates.clear();
  silentNights.clear();
  for (const trigger of heldBack.splice(0)) await answer(trigger);
}

const reads: BackfillReads = {
  backfillDates: (from, to) =>
    Promise.resolve(
      backfillDatesOf(
        datesOf(from, addDays(to, 30)).filter((d) => !offDays.has(d)),
        from,
        to,
      ),
    ),
  latestProcessorSuccesses: (dates) => Promise.resolve(runRows.filter((r) => dates.includes(r.dataDate))),
  closedRunOf: (date) => history.activities.closedRunOf(date),
};

const recording = recordingActivities({
  async onPublish({ message }) {
    if (message.trigger_source === 'backfill') await answer(message);
  },
});
const { published, alerts } = recording;

const activities = (queue: string) =>
  holdingTheClock(env, {
    ...history.activities,
    ...everyDayHasGames,
    ...createBackfillActivities(client, reads, queue),
    ...recording.activities,
    runExport({ exportType }: ExportRun): Promise<ExportWritten> {
      return Promise.resolve({ exportType, paths: [`v1/${exportType}.json`], rowCount: 1 });
    },
    publishExportComplete(message: ExportComplete) {
      exported.push(message);
      return Promise.resolve(`export-${exported.length}`);
    },
  });

/**
 * A worker for `queue`. The test server never hands a stopped worker's sticky tasks to the next
 * one: a worker that is stopped mid-test keeps no cache; the one that runs the whole file does.
 */
async function startWorker(queue: string, { restartable }: { restartable: boolean }) {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: queue,
    workflowBundle: await workflowBundle(),
    activities: activities(queue),
    maxCachedWorkflows: restartable ? 0 : undefined,
  });
  const running = worker.run();
  return async () => {
    worker.shutdown();
    await running;
  };
}

let stopWorker: () => Promise<void>;
before(async () => {
  env = await timeSkippingEnvironment();
  client = await clockHoldingClient(env);
  stopWorker = await startWorker(taskQueue, { restartable: false });
});
after(async () => {
  await stopWorker();
  await env.teardown();
});

/** How long a progress query may take before the poll gives up on it (an RPC deadline, real time). */
const queryDeadline = 10_000;

/** Lets time pass a poll at a time (timers fire, activities run) until `done`. */
async function driveUntil(id: string, done: (p: BackfillProgress) => boolean, seen: BackfillProgress[] = []) {
  for (let i = 0; i < 1000; i++) {
    // A query the test server holds for a workflow task that ends in continue-as-new is never
    // answered, and a busy server may be slow: each poll has a deadline, the next one asks again.
    const progress = await client
      .withDeadline(Date.now() + queryDeadline, () => client.workflow.getHandle(id).query(backfillProgressQuery))
      .catch(() => undefined);
    if (progress) seen.push(progress);
    if (progress && done(progress)) return progress;
    await env.sleep(pipeline.backfill.pollEvery);
  }
  throw new Error(`backfill ${id} did not finish`);
}

const triggersOf = (id: string) => published.filter((p) => p.message.trigger_id.includes(`/${id}/`));

async function runState(date: string): Promise<string> {
  return (await client.workflow.getHandle(workflowIdFor(date)).describe()).status.name;
}

const start = (
  id: string,
  range: { from: string; to: string; fromPhase: number; throughPhase: number },
  maxActive = 5,
) =>
  client.workflow.start(backfillWorkflow, {
    workflowId: id,
    taskQueue,
    args: [{ ...range, maxActive, reason: 'test', requestedBy: 'test' }],
  });

describe('backfill workflow', () => {
  it('loads 30 past dates through phase 4 from the run history alone: finishes, pages nobody, closes its runs', async () => {
    const id = 'backfill-2024-01-01-2024-02-01-test';
    await start(id, { from: '2024-01-01', to: '2024-02-01', fromPhase: 3, throughPhase: 4 });
    const seen: BackfillProgress[] = [];
    const last = await driveUntil(id, (p) => p.state === 'completed', seen);

    const gameDates = datesOf('2024-01-01', '2024-02-01').filter((d) => !offDays.has(d));
    assert.equal(gameDates.length, 30);
    assert.equal(last.total, 30);
    assert.equal(last.done, 30);
    assert.deepEqual(last.failed, []);
    assert.ok(
      seen.every((p) => p.active.length <= 5),
      'never more than 5 dates active',
    );
    // The results of D, then the slate of the next game date (past the day without games).
    const ours = triggersOf(id);
    for (const date of gameDates) {
      const next = gameDates.find((d) => d > date) ?? (date === '2024-02-01' ? '2024-02-02' : '');
      const expected = [
        backfillTriggerId(id, date, 'phase3'),
        ...[1, 2, 3].map((level) => backfillTriggerId(id, next, `phase4/${level}`)),
      ];
      const fired = ours
        .filter(
          (p) =>
            (p.message.game_date === date && p.message.phase === 'phase3') ||
            (p.message.game_date === next && p.message.phase === 'phase4'),
        )
        .map((p) => p.message.trigger_id);
      assert.deepEqual(fired, expected, `${date} → ${next}: each trigger once, in order`);
    }
    const slate = ours.find((p) => p.message.phase === 'phase4' && p.message.game_date === '2024-01-09');
    assert.ok(slate, 'the slate after the day without games is 2024-01-09, loaded from the results of 2024-01-07');
    assert.ok(ours.every((p) => p.message.skip_downstream_trigger === true));
    assert.ok(!ours.some((p) => p.message.phase === 'phase5' || p.message.phase === 'phase6'), 'nothing past 4');
    // The date runs published nothing of their own, and nobody was paged.
    assert.deepEqual(
      published.filter((p) => p.message.trigger_source !== 'backfill'),
      [],
    );
    assert.deepEqual(alerts, []);
    // Every run of the range closed when the backfill was done with it, as completed; the slate
    // after the range waits for its own results (the next range's).
    // (The progress's count of closes may lag the last signals; each run's own result is the word.)
    assert.equal(await runState('2024-02-02'), 'RUNNING');
    for (const date of gameDates) {
      const handle = client.workflow.getHandle(workflowIdFor(date));
      assert.equal(await handle.result(), 'completed', `${date} closed as completed`);
      assert.equal(history.closed.get(date)?.outcome, 'completed');
    }
    assert.ok(!history.closed.has('2024-01-08'), 'the day without games was never opened');
  });

  it('never re-fires what the live run fired, and never publishes for a date that closed', async () => {
    // 2023-11-02's live run fired its phase 3 (and its processors ran); 2023-11-04 closed long ago.
    const liveFiredAt = new Date((await env.currentTimeMs()) - 60_000).toISOString();
    await client.workflow.signalWithStart('gameDayWorkflow', {
      workflowId: workflowIdFor('2023-11-02'),
      taskQueue,
      args: [{ gameDate: '2023-11-02' }],
      signal: stepFiredSignal,
      signalArgs: [
        {
          key: 'phase3',
          triggerId: 'game-day-2023-11-02/phase3',
          firedAt: liveFiredAt,
          skipped: false,
          source: 'orchestrator',
        },
      ],
    });
    runRows.push(
      ...required('phase3').map((processor) => ({ dataDate: '2023-11-02', processor, completedAt: liveFiredAt })),
    );
    history.closed.set('2023-11-04', {
      gameDate: '2023-11-04',
      runId: 'r',
      workflowId: workflowIdFor('2023-11-04'),
      outcome: 'completed',
      correlationId: null,
      openedAt: null,
      closedAt: '2023-11-06T12:00:00Z',
    });
    const id = 'backfill-2023-11-01-2023-11-04-test';
    await start(id, { from: '2023-11-01', to: '2023-11-04', fromPhase: 3, throughPhase: 4 });
    const last = await driveUntil(id, (p) => p.state === 'completed');

    assert.equal(last.done, 2, '2023-11-01 and 2023-11-02 done');
    assert.deepEqual(
      last.failed.map((f) => f.date),
      ['2023-11-03', '2023-11-04'],
      'the dates whose slate or results are of the closed date',
    );
    assert.match(last.failed[0]!.reason, /2023-11-04 has closed/);
    const ours = triggersOf(id);
    assert.ok(!ours.some((p) => p.message.game_date === '2023-11-04'), 'nothing published for the closed date');
    assert.ok(
      !ours.some((p) => p.message.game_date === '2023-11-02' && p.message.phase === 'phase3'),
      'the live run fired phase 3 of 2023-11-02: not fired again',
    );
    assert.deepEqual(
      ours.filter((p) => p.message.game_date === '2023-11-02').map((p) => p.message.phase),
      ['phase4', 'phase4', 'phase4'],
      'the slate of 2023-11-02, from the results of 2023-11-01',
    );
    assert.equal(last.steps_fired_before, 1, 'phase 3 of 2023-11-02, taken from the live run');
    const status = await client.workflow.getHandle(workflowIdFor('2023-11-02')).query(statusQuery);
    assert.equal(status.triggers?.phase3?.source, 'orchestrator');
    assert.equal(status.triggers?.['phase4/1']?.source, 'backfill', 'the run records the backfill’s steps');
    await assert.rejects(runState('2023-11-04'), 'the closed date’s run was never started again');
    assert.equal(await runState('2023-11-02'), 'COMPLETED', 'the backfill was done with 2023-11-02: its run closed');
    // The date given up keeps its run open until its deadline; it closes expired and pages nobody.
    await env.sleep(pipeline.lifetime.maxOpenDuration + pipeline.backfill.pollEvery);
    assert.equal(await client.workflow.getHandle(workflowIdFor('2023-11-03')).result(), 'expired');
    assert.equal(history.closed.get('2023-11-03')?.backfill, true, 'recorded as a backfilled run');
    assert.deepEqual(alerts, [], 'no date-expired alert for a backfilled date');
  });

  it('takes a step another backfill fired, and really exports its phase 6', async () => {
    const first = 'backfill-2023-11-29-2023-11-30-test';
    await start(first, { from: '2023-11-29', to: '2023-11-30', fromPhase: 5, throughPhase: 5 });
    await driveUntil(first, (p) => p.state === 'completed');
    assert.equal(triggersOf(first).length, 2);
    // A second backfill over the last slate, through phase 6: phase 5 was fired, the export is new.
    const second = 'backfill-2023-11-30-2023-11-30-test';
    await start(second, { from: '2023-11-30', to: '2023-11-30', fromPhase: 5, throughPhase: 6 });
    const last = await driveUntil(second, (p) => p.state === 'completed');
    assert.equal(last.done, 1);
    assert.equal(last.steps_fired_before, 1, 'phase 5 of 2023-12-01 was the first backfill’s');
    assert.deepEqual(triggersOf(second), [], 'nothing published: phase 6 is an export run, not a message');
    const exports = exported.filter((e) => e.target_date === '2023-12-01');
    assert.equal(exports.length, 1, 'the slate’s tonight export ran once');
    assert.equal(exports[0]!.trigger_source, 'backfill');
    assert.equal(exports[0]!.trigger_id, backfillTriggerId(second, '2023-12-01', 'phase6'));
    assert.equal(exports[0]!.status, 'success');
  });

  it('pauses, resumes and cancels, recording who asked and why', async (t) => {
    t.after(() => silentNights.clear());
    const id = 'backfill-2022-05-01-2022-05-20-test';
    const handle = await start(id, { from: '2022-05-01', to: '2022-05-20', fromPhase: 3, throughPhase: 4 }, 1);
    for (const date of datesOf('2022-05-03', '2022-05-20')) silentNights.add(date);
    const paused = await handle.executeUpdate(pauseBackfillUpdate, {
      args: [{ by: 'ops', reason: 'BigQuery quota' }],
    });
    assert.equal(paused.state, 'paused');
    const before = triggersOf(id).length;
    await env.sleep(pipeline.backfill.pollEvery * 10);
    assert.equal(triggersOf(id).length, before, 'a paused backfill publishes nothing');
    await handle.executeUpdate(resumeBackfillUpdate, { args: [{ by: 'ops', reason: 'quota back' }] });
    const waiting = await driveUntil(id, (p) => p.done === 2 && p.active.length === 1);
    assert.deepEqual(waiting.active, [{ date: '2022-05-03', next_trigger: 'phase4/1' }], 'waits for its phase 3');
    await env.sleep(pipeline.backfill.pollEvery * 10);
    await handle.signal(cancelBackfillSignal, { by: 'ops', reason: 'wrong range' });
    const cancelled = await handle.result();
    assert.equal(cancelled.state, 'cancelled');
    assert.deepEqual(
      cancelled.commands.map((c) => [c.action, c.by, c.reason]),
      [
        ['pause', 'ops', 'BigQuery quota'],
        ['resume', 'ops', 'quota back'],
        ['cancel', 'ops', 'wrong range'],
      ],
    );
    assert.equal(cancelled.done, 2);
    assert.equal(triggersOf(id).length, 2 * 4 + 1, 'nothing after the cancel');
  });

  it('survives a worker restart mid-range and continues as new on a long history, firing nothing twice', async () => {
    const id = 'backfill-2023-03-01-2023-03-10-test';
    const dates = datesOf('2023-03-01', '2023-03-10');
    for (const date of datesOf('2023-03-06', '2023-03-11')) silentDates.add(date);
    let stop = await startWorker(restartQueue, { restartable: true });
    const handle = await client.workflow.start(backfillWorkflow, {
      workflowId: id,
      taskQueue: restartQueue,
      args: [
        {
          ...{ from: '2023-03-01', to: '2023-03-10', fromPhase: 4, throughPhase: 5, maxActive: 2 },
          ...{
            reason: 'restart test',
            requestedBy: 'test',
            continueAsNewAfterEvents: 60,
          },
        },
      ],
    });
    try {
      const midway = await driveUntil(id, (p) => p.done === 4 && p.active.length === 2);
      assert.equal(midway.state, 'running');
      await stop(); // the worker goes away mid-range, two dates waiting on their processors
      await catchUp();
      stop = await startWorker(restartQueue, { restartable: true });
      const last = await driveUntil(id, (p) => p.state === 'completed');
      assert.equal(last.done, 10);
      const ours = triggersOf(id);
      const keys = ['phase4/1', 'phase4/2', 'phase4/3', 'phase5'];
      for (const date of dates) {
        const slate = addDays(date, 1);
        const ids = ours.filter((p) => p.message.game_date === slate).map((p) => p.message.trigger_id);
        assert.deepEqual(
          ids,
          keys.map((k) => backfillTriggerId(id, slate, k)),
          `${slate}: each trigger once`,
        );
      }
      const described = await handle.describe();
      assert.equal(described.status.name, 'COMPLETED');
      assert.notEqual(described.runId, handle.firstExecutionRunId, 'the backfill continued as new');
    } finally {
      await stop();
    }
  });
});
