// The backfill workflow over many simulated days on the time-skipping server, with the real date
// runs: processors answer each backfill trigger with their completions (without the backfill flag,
// so only the backfill's own signal keeps the date runs from firing the cascade a second time).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createBackfillActivities } from '../../src/activities/backfill';
import { signalCompletion } from '../../src/bridge/signal';
import type { Trigger, TriggerRequest } from '../../src/messages/trigger';
import { pipeline, type PhaseKey } from '../../src/pipeline/definition';
import { backfillTriggerId, triggerKeys } from '../../src/pipeline/ids';
import {
  backfillProgressQuery,
  backfillWorkflow,
  cancelBackfillSignal,
  pauseBackfillUpdate,
  resumeBackfillUpdate,
  type BackfillProgress,
} from '../../src/workflows/backfill';
import { datesOf } from '../../src/workflows/backfill-plan';
import { completion, processorNames } from '../helpers/messages';
import { holdingTheClock, memoryRunHistory, timeSkippingEnvironment, workflowBundle } from '../helpers/servers';

const taskQueue = 'backfill-test';
let env: TestWorkflowEnvironment;
let client: Client;
const published: TriggerRequest[] = [];
/** Dates whose processors never answer (a slow day), so the backfill waits on them. */
const silentDates = new Set<string>();
const heldBack: Trigger[] = [];

/** The slow dates' processors catch up: they answer the triggers they held. */
async function catchUp(): Promise<void> {
  silentDates.clear();
  for (const trigger of heldBack.splice(0)) await answer(trigger);
}

/** The processors a trigger starts, answering with their completions as they would. */
async function answer(trigger: Trigger): Promise<void> {
  if (silentDates.has(trigger.game_date)) {
    heldBack.push(trigger);
    return;
  }
  const send = (phase: PhaseKey, names: string[], metadata?: Record<string, unknown>) =>
    Promise.all(
      names.map((name) =>
        signalCompletion(client, taskQueue, completion(phase, name, trigger.game_date, { metadata })),
      ),
    );
  if (trigger.phase === 'phase3') await send('phase3', processorNames('phase3'));
  if (trigger.phase === 'phase4' && 'level' in trigger) await send('phase4', trigger.processors);
  if (trigger.phase === 'phase5' && 'players_ready' in trigger) {
    await send('phase5', processorNames('phase5'), { completion_pct: 95 });
  }
}

const activities = () =>
  holdingTheClock(env, {
    ...memoryRunHistory().activities,
    ...createBackfillActivities(client, taskQueue),
    async publishTrigger(request: TriggerRequest) {
      published.push(request);
      if (request.message.trigger_source === 'backfill') await answer(request.message);
      return `message-${published.length}`;
    },
  });

async function startWorker() {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: activities(),
    // No sticky queue: the test server never hands a stopped worker's sticky tasks to the next one.
    maxCachedWorkflows: 0,
  });
  const running = worker.run();
  return async () => {
    worker.shutdown();
    await running;
  };
}

before(async () => {
  env = await timeSkippingEnvironment();
  client = new Client({ connection: env.connection, namespace: env.namespace }); // its waits never move the clock
});
after(() => env.teardown());

/** Lets time pass a poll at a time (timers fire, activities run) until the backfill has finished. */
async function driveUntil(id: string, done: (p: BackfillProgress) => boolean, seen: BackfillProgress[] = []) {
  for (let i = 0; i < 500; i++) {
    const progress = await client.workflow.getHandle(id).query(backfillProgressQuery);
    seen.push(progress);
    if (done(progress)) return progress;
    await env.sleep(pipeline.backfill.pollEvery);
  }
  throw new Error(`backfill ${id} did not finish`);
}

const triggersOf = (id: string) => published.filter((p) => p.message.trigger_id.includes(`/${id}/`));

/** The most dates whose triggers were going out at the same time (first to last trigger of each date). */
function mostDatesAtOnce(requests: TriggerRequest[]): number {
  const spans = new Map<string, [number, number]>();
  requests.forEach((r, i) => {
    const span = spans.get(r.message.game_date);
    spans.set(r.message.game_date, span ? [span[0], i] : [i, i]);
  });
  return Math.max(...requests.map((_, i) => [...spans.values()].filter(([a, b]) => a <= i && i <= b).length));
}

describe('backfill workflow', () => {
  it('drives 12 dates through phase 4 with at most 3 at a time, each trigger once, nothing beyond', async () => {
    const stop = await startWorker();
    try {
      const id = 'backfill-2024-01-01-2024-01-12-test';
      const dates = datesOf('2024-01-01', '2024-01-12');
      await client.workflow.start(backfillWorkflow, {
        workflowId: id,
        taskQueue,
        args: [
          {
            from: '2024-01-01',
            to: '2024-01-12',
            fromPhase: 3,
            throughPhase: 4,
            maxActive: 3,
            reason: 'test',
            requestedBy: 'test',
          },
        ],
      });
      const seen: BackfillProgress[] = [];
      const last = await driveUntil(id, (p) => p.state === 'completed', seen);

      assert.equal(last.done, 12);
      assert.deepEqual(last.failed, []);
      assert.ok(
        seen.every((p) => p.active.length <= 3),
        'never more than 3 dates active',
      );
      const keys = ['phase3', 'phase4/1', 'phase4/2', 'phase4/3'];
      const ours = triggersOf(id);
      for (const date of dates) {
        const ids = ours.filter((p) => p.message.game_date === date).map((p) => p.message.trigger_id);
        assert.deepEqual(
          ids,
          keys.map((k) => backfillTriggerId(id, date, k)),
          `${date}: each trigger once, in order`,
        );
      }
      assert.equal(mostDatesAtOnce(ours), 3, 'three dates under way at once, never more');
      assert.ok(
        !ours.some((p) => p.message.phase === 'phase5' || p.message.phase === 'phase6'),
        'nothing past phase 4',
      );
      assert.ok(ours.every((p) => p.message.skip_downstream_trigger === true && p.message.backfill_reason === 'test'));
      // The date runs counted the completions but published nothing of their own.
      const theirs = published.filter(
        (p) => dates.includes(p.message.game_date) && p.message.trigger_source !== 'backfill',
      );
      assert.deepEqual(theirs, []);
    } finally {
      await stop();
    }
  });

  it('survives a worker restart mid-range and continues as new on a long history, firing nothing twice', async () => {
    const id = 'backfill-2023-03-01-2023-03-10-test';
    const dates = datesOf('2023-03-01', '2023-03-10');
    for (const date of datesOf('2023-03-05', '2023-03-10')) silentDates.add(date);
    let stop = await startWorker();
    const handle = await client.workflow.start(backfillWorkflow, {
      workflowId: id,
      taskQueue,
      args: [
        {
          ...{ from: '2023-03-01', to: '2023-03-10', fromPhase: 4, throughPhase: 5, maxActive: 2 },
          ...{ reason: 'restart test', requestedBy: 'test', continueAsNewAfterEvents: 60 },
        },
      ],
    });
    try {
      const midway = await driveUntil(id, (p) => p.done === 4 && p.active.length === 2);
      assert.equal(midway.state, 'running');
      await stop(); // the worker goes away mid-range, two dates waiting on their processors
      await catchUp();
      stop = await startWorker();
      const last = await driveUntil(id, (p) => p.state === 'completed');
      assert.equal(last.done, 10);
      const ours = triggersOf(id);
      const keys = [
        triggerKeys.phase4Level(1),
        triggerKeys.phase4Level(2),
        triggerKeys.phase4Level(3),
        triggerKeys.phase5,
      ];
      for (const date of dates) {
        const ids = ours.filter((p) => p.message.game_date === date).map((p) => p.message.trigger_id);
        assert.deepEqual(
          ids,
          keys.map((k) => backfillTriggerId(id, date, k)),
          `${date}: each trigger once`,
        );
      }
      const described = await handle.describe();
      assert.notEqual(described.runId, handle.firstExecutionRunId, 'the backfill continued as new');
    } finally {
      await stop();
    }
  });

  it('pauses, resumes and cancels, recording who asked and why', async () => {
    const stop = await startWorker();
    try {
      const id = 'backfill-2022-05-01-2022-05-20-test';
      const handle = await client.workflow.start(backfillWorkflow, {
        workflowId: id,
        taskQueue,
        args: [
          {
            from: '2022-05-01',
            to: '2022-05-20',
            fromPhase: 3,
            throughPhase: 4,
            maxActive: 1,
            reason: 'r',
            requestedBy: 'test',
          },
        ],
      });
      for (const date of datesOf('2022-05-03', '2022-05-20')) silentDates.add(date);
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
    } finally {
      await stop();
    }
  });
});
