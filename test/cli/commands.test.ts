// Operators' commands against a date's real run on the time-skipping server: each happy path, each
// refusal, and an operator racing a real completion. Publishing is recorded (the Pub/Sub path is
// tested against the emulator); the run history is the in-memory one the workflows write to.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ExportRun, ExportWritten } from '../../src/exports/activities';
import { completeProcessor } from '../../src/cli/complete';
import { exportDate } from '../../src/cli/export';
import { UsageError } from '../../src/cli/operator';
import { rerunDate } from '../../src/cli/rerun';
import { triggerPhase } from '../../src/cli/trigger';
import type { ExportComplete } from '../../src/messages/export-message';
import { gameDayTriggerId, workflowIdFor } from '../../src/pipeline/ids';
import { addDays } from '../../src/time';
import { CorrelationId, GameDate, PipelinePhase } from '../../src/temporal/search-attributes';
import { completion, processorNames } from '../helpers/messages';
import { eventually } from '../helpers/eventually';
import { memoryRunHistory, timeSkippingWorker, type TestWorker } from '../helpers/servers';
import { recordingActivities } from '../helpers/activities';
import { dateRuns } from '../helpers/date-runs';

const taskQueue = 'commands-test';
let env: TestWorkflowEnvironment;
let testWorker: TestWorker;
const exported: ExportComplete[] = [];
const runHistory = memoryRunHistory();
const { activities: recording, published } = recordingActivities();

before(async () => {
  testWorker = await timeSkippingWorker(taskQueue, {
    ...runHistory.activities,
    publishTrigger: recording.publishTrigger,
    runExport(run: ExportRun): Promise<ExportWritten> {
      return Promise.resolve({
        exportType: run.exportType,
        paths: [`v1/${run.exportType}/${run.targetDate}.json`],
        rowCount: 1,
      });
    },
    publishExportComplete(report: ExportComplete) {
      exported.push(report);
      return Promise.resolve('export-complete');
    },
  });
  env = testWorker.env;
});
after(() => testWorker.stop());

const operator = { reason: 'processor stuck, data verified by hand', requestedBy: 'ops@test' };
const { send, status, completePhase } = dateRuns(() => env.client, taskQueue);
const triggersOf = (date: string, phase?: string) =>
  published.filter((p) => p.message.game_date === date && (!phase || p.message.phase === phase));
const { eventsOf } = runHistory;

async function stuckAt20of21(date: string): Promise<string> {
  const [last, ...first20] = processorNames('phase2');
  await completePhase(date, 'phase2', first20);
  return last!;
}

async function refused(work: Promise<unknown>, reason: RegExp): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof UsageError, `a usage error (exit 2), got ${String(error)}`);
    assert.match(error.message, reason);
    return true;
  });
}

describe('pipeline trigger', () => {
  it('pushes a date stuck at 20/21 on: phase 3 fires once, manual, and the late 21st fires nothing more', async () => {
    const date = '2025-10-01';
    const last = await stuckAt20of21(date);
    const fired = await triggerPhase(env.client, date, { phase: 'phase3', ...operator });
    assert.equal(fired.outcome, 'fired');
    assert.equal(fired.triggerId, gameDayTriggerId(date, 'phase3'));
    assert.equal(triggersOf(date, 'phase3').length, 1);
    assert.equal(triggersOf(date, 'phase3')[0]!.message.trigger_source, 'manual');

    const again = await triggerPhase(env.client, date, { phase: 'phase3', ...operator });
    assert.equal(again.outcome, 'already-fired');
    await send(completion('phase2', last, date));
    const s = await status(date);
    assert.equal(s.phases.phase2.completed_count, 21);
    assert.equal(triggersOf(date, 'phase3').length, 1, 'the real 21st completion fires nothing more');

    // The command is in the run history with who asked and why, next to the trigger it fired.
    const command = eventsOf(date).find((e) => e.kind === 'command');
    assert.deepEqual(
      { reason: command?.detail?.reason, by: command?.detail?.requested_by },
      { reason: operator.reason, by: 'ops@test' },
    );
    const trigger = eventsOf(date).find((e) => e.kind === 'trigger');
    assert.equal(trigger?.triggerSource, 'manual');
  });

  it('fires once more with --again, under a trigger id of its own', async () => {
    const date = '2025-10-02';
    await stuckAt20of21(date);
    await triggerPhase(env.client, date, { phase: 'phase3', ...operator });
    const again = await triggerPhase(env.client, date, { phase: 'phase3', again: true, ...operator });
    assert.equal(again.outcome, 'fired');
    assert.equal(again.triggerId, `${gameDayTriggerId(date, 'phase3')}/manual-1`);
    assert.deepEqual(
      triggersOf(date, 'phase3').map((p) => p.message.trigger_id),
      [gameDayTriggerId(date, 'phase3'), `${gameDayTriggerId(date, 'phase3')}/manual-1`],
    );
  });

  it('fires once when an operator races the real 21st completion', async () => {
    const date = '2025-10-03';
    const last = await stuckAt20of21(date);
    const [manual] = await Promise.all([
      triggerPhase(env.client, date, { phase: 'phase3', ...operator }),
      send(completion('phase2', last, date)),
    ]);
    await eventually(
      () => status(date),
      (s) => s.phases.phase2.status === 'triggered',
    );
    assert.equal(triggersOf(date, 'phase3').length, 1);
    assert.ok(['fired', 'already-fired'].includes(manual.outcome));
  });

  it('starts phase 4 and phase 5 on command, each once', async () => {
    const date = '2025-10-04';
    await stuckAt20of21(date);
    await triggerPhase(env.client, date, { phase: 'phase3', ...operator });
    const level1 = await triggerPhase(env.client, date, { phase: 'phase4', ...operator });
    assert.deepEqual([level1.outcome, level1.key], ['fired', 'phase4/1']);
    await refused(
      triggerPhase(env.client, date, { phase: 'phase4', level: 3, ...operator }),
      /fires level 2 next; level 3 cannot be pushed/,
    );
    const level2 = await triggerPhase(env.client, date, { phase: 'phase4', level: 2, ...operator });
    assert.equal(level2.triggerId, gameDayTriggerId(date, 'phase4/2'));
    const phase5 = await triggerPhase(env.client, date, { phase: 'phase5', ...operator });
    assert.equal(phase5.outcome, 'fired');
    assert.deepEqual(
      triggersOf(date).map((p) => [p.message.trigger_id, p.message.trigger_source]),
      [
        [gameDayTriggerId(date, 'phase3'), 'manual'],
        [gameDayTriggerId(date, 'phase4/1'), 'manual'],
        [gameDayTriggerId(date, 'phase4/2'), 'manual'],
        [gameDayTriggerId(date, 'phase5'), 'manual'],
      ],
    );
    assert.equal((await triggerPhase(env.client, date, { phase: 'phase5', ...operator })).outcome, 'already-fired');

    // The children are found like the date's run: by date, phase and correlation id, with a summary.
    for (const [id, phase] of [
      [`${workflowIdFor(date)}/phase4`, 'phase4'],
      [`${workflowIdFor(date)}/phase5`, 'phase5'],
    ] as const) {
      const child = await env.client.workflow.getHandle(id).describe();
      // The slate was pushed by hand, with no night handed over to it: it has no chain of its own yet.
      assert.deepEqual(
        [GameDate, PipelinePhase, CorrelationId].map((key) => child.typedSearchAttributes.get(key)),
        [date, phase, undefined],
      );
      assert.match((await child.staticSummary()) ?? '', new RegExp(`^Phase ${phase.at(-1)}.* of ${date}$`));
    }
  });

  it('refuses a missing reason, an unknown phase, a date with no run and a closed date', async () => {
    await refused(triggerPhase(env.client, '2025-10-05', { phase: 'phase3', ...operator, reason: ' ' }), /reason/);
    await refused(
      triggerPhase(env.client, '2025-10-05', { phase: 'phase9' as 'phase3', ...operator }),
      /unknown phase "phase9"/,
    );
    await refused(triggerPhase(env.client, '2025-10-05', { phase: 'phase3', ...operator }), /has no run/);
    const date = '2025-10-06';
    await stuckAt20of21(date);
    await env.client.workflow.getHandle(workflowIdFor(date)).terminate('test: the date is over');
    await refused(triggerPhase(env.client, date, { phase: 'phase3', ...operator }), /has closed .*pipeline rerun/);
  });
});

describe('pipeline complete', () => {
  it('counts a processor, and the normal rules fire phase 3', async () => {
    const date = '2025-10-07';
    const last = await stuckAt20of21(date);
    const done = await completeProcessor(env.client, date, { processor: last, ...operator });
    assert.deepEqual(done, { processor: last, phase: 'phase2', counted: true });
    await eventually(
      () => status(date),
      (s) => s.phases.phase2.status === 'triggered',
    );
    assert.equal(triggersOf(date, 'phase3')[0]?.message.trigger_source, 'orchestrator');
    const twice = await completeProcessor(env.client, date, { processor: last, ...operator });
    assert.equal(twice.counted, false);
    await refused(
      completeProcessor(env.client, date, { processor: 'NoSuchProcessor', ...operator }),
      /unknown processor "NoSuchProcessor"/,
    );
  });
});

describe('pipeline rerun', () => {
  it('refuses an open date and a date that never ran', async () => {
    const date = '2025-10-08';
    await stuckAt20of21(date);
    await refused(rerunDate(env.client, taskQueue, date, { fromPhase: 'phase3', ...operator }), /still open/);
    await refused(rerunDate(env.client, taskQueue, '2025-10-09', { fromPhase: 'phase3', ...operator }), /never ran/);
  });

  it('reruns a closed date from phase 3 with new trigger ids, then a second time', async () => {
    const date = '2025-10-20';
    const slate = addDays(date, 1);
    await stuckAt20of21(date);
    await triggerPhase(env.client, date, { phase: 'phase3', ...operator });
    await env.client.workflow.getHandle(workflowIdFor(date)).terminate('test: the date is over');

    const first = await rerunDate(env.client, taskQueue, date, { fromPhase: 'phase3', ...operator });
    assert.equal(first.attempt, 1);
    const rerunId = `${workflowIdFor(date)}/rerun-1/phase3`;
    await eventually(
      () => triggersOf(date, 'phase3').map((p) => p.message.trigger_id),
      (ids) => ids.includes(rerunId),
    );
    assert.equal(
      triggersOf(date, 'phase3').find((p) => p.message.trigger_id === rerunId)?.message.trigger_source,
      'rerun',
    );
    // The rerun cascades as usual: its results, complete, are handed over to the next day's slate.
    for (const name of processorNames('phase3')) await send(completion('phase3', name, date));
    await eventually(
      () => triggersOf(slate, 'phase4').map((p) => p.message.trigger_id),
      (ids) => ids.includes(`${workflowIdFor(slate)}/phase4/1`),
    );
    await refused(rerunDate(env.client, taskQueue, date, { fromPhase: 'phase3', ...operator }), /still open/);

    await env.client.workflow.getHandle(workflowIdFor(date)).terminate('test: the rerun is over');
    const second = await rerunDate(env.client, taskQueue, date, { fromPhase: 'phase6', ...operator });
    assert.equal(second.attempt, 2);
    await eventually(
      () => triggersOf(date, 'phase6').map((p) => p.message.trigger_id),
      (ids) => ids.includes(`${workflowIdFor(date)}/rerun-2/phase6`),
    );
  });
});

describe('pipeline export', () => {
  it('exports a date once, says so the second time, and exports again with --force', async () => {
    const date = '2025-10-11';
    const request = {
      types: ['results' as const],
      force: false,
      reason: 'a rerun of the results',
      requestedBy: 'ops@test',
    };
    const first = await exportDate(env.client, taskQueue, date, request);
    assert.equal(first.outcome, 'exported');
    assert.deepEqual(first.outcome === 'exported' && first.report.succeeded, ['results']);
    assert.deepEqual(
      exported.filter((r) => r.target_date === date).map((r) => r.trigger_source),
      ['manual'],
    );
    const second = await exportDate(env.client, taskQueue, date, request);
    assert.equal(second.outcome, 'already-exported');
    const forced = await exportDate(env.client, taskQueue, date, { ...request, force: true });
    assert.equal(forced.outcome, 'exported');
    assert.equal(exported.filter((r) => r.target_date === date).length, 2);
  });
});
