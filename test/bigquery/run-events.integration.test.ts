// The run history's events on the real bqemulator, written by a real game-day run on the
// time-skipping server: the correlation query operators run (docs/operations.md) answers from them, a retried write never
// doubles a row, a run whose history table is dropped and recreated still fires its trigger (and
// alerts, and writes its events once the table is back), and `pipeline status` falls back to them
// when the run cannot answer.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { BigQuery } from '@google-cloud/bigquery';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ensureSchema, runQuery } from '../../src/platform/bigquery';
import { correlationTrail, eventsOfDate, recordRunEvents } from '../../src/run-history/run-events';
import { closedRunOf, recordRunClosed } from '../../src/run-history/run-history';
import { upsertRuns } from '../../dev/sample/runs';
import { completeProcessor } from '../../src/cli/complete';
import { statusFromRunHistory } from '../../src/cli/status-history';
import { statusFromAnywhere } from '../../src/cli/status-sources';
import { gameDayTriggerId, workflowIdFor } from '../../src/pipeline/ids';
import { statusQuery } from '../../src/date-run/status';
import { eventually } from '../helpers/eventually';
import { completion, processorNames } from '../helpers/messages';
import { recordingActivities } from '../helpers/activities';
import { dateRuns } from '../helpers/date-runs';
import {
  memoryRunHistory,
  startBigQueryEmulator,
  tempDir,
  timeSkippingEnvironment,
  workflowBundle,
  type BigQueryEmulator,
} from '../helpers/servers';

const project = 'nba-props-platform';
const taskQueue = 'run-events-test';
const date = '2025-09-20';
const correlationId = `corr-${date}`;
let dir: string;
let emulator: BigQueryEmulator;
let bigquery: BigQuery;
const fromRunHistory = (date: string) => statusFromRunHistory(bigquery, date);
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const { activities: recording, published, triggersFor, alertsFor } = recordingActivities();

before(async () => {
  dir = tempDir('run-events-it');
  emulator = await startBigQueryEmulator(dir, project);
  bigquery = emulator.bigquery;
  env = await timeSkippingEnvironment();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: {
      ...memoryRunHistory().activities,
      ...recording,
      // The run history itself is BigQuery's: the real queries the worker's activities run.
      closedRunOf: (gameDate: string) => closedRunOf(bigquery, gameDate),
      recordRunClosed: (run: Parameters<typeof recordRunClosed>[1]) => recordRunClosed(bigquery, run),
      recordRunEvents: (events: Parameters<typeof recordRunEvents>[1]) => recordRunEvents(bigquery, events),
    },
  });
  running = worker.run();
});

after(async () => {
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
  await env?.teardown();
  await emulator?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const { send } = dateRuns(() => env.client, taskQueue);
const eventCount = async () =>
  Number((await runQuery(bigquery, 'SELECT COUNT(*) AS n FROM nba_orchestration.game_day_events'))[0]?.n);

describe('run history events', () => {
  it("answers the operators' correlation query for a day: processor runs, completions, a command, the trigger", async () => {
    // A processor's own run history row for the same correlation id (processors write it).
    const [first, ...rest] = processorNames('phase2');
    await upsertRuns(bigquery, [
      {
        processor_name: first!,
        phase: 'phase_2_raw',
        data_date: date,
        status: 'success',
        execution_id: `${first}-${date}-run1`,
        correlation_id: correlationId,
        trigger_source: 'scraper',
        started_at: '2025-09-20T09:00:00Z',
        completed_at: '2025-09-20T09:01:00Z',
        duration_seconds: 60,
        record_count: 10,
        records_failed: 0,
        backfill_mode: false,
      },
    ]);
    await send(completion('phase2', first!, date));
    await send(completion('phase2', first!, date)); // a duplicate delivery
    await send(completion('phase2', rest[0]!, date, { status: 'failed', executionId: 'failed-run' }));
    for (const name of rest.slice(0, -1)) await send(completion('phase2', name, date));
    // The 21st is marked complete by an operator; the rules fire phase 3, and the step writes the events.
    await completeProcessor(env.client, date, {
      processor: rest.at(-1)!,
      reason: 'scraper re-run by hand',
      requestedBy: 'ops@test',
    });
    await eventually(
      () => env.client.workflow.getHandle(workflowIdFor(date)).query(statusQuery),
      (s) => s.phases.phase2.status === 'triggered',
    );
    const trail = await eventually(
      () => correlationTrail(bigquery, correlationId),
      (rows) => rows.some((r) => r.kind === 'trigger'),
      'the phase 3 trigger in the trail',
    );

    assert.deepEqual(trail[0] && [trail[0].source, trail[0].processor, trail[0].kind], [
      'processor',
      first,
      'run:success',
    ]);
    const completions = trail.filter((r) => r.kind === 'completion');
    const verdicts = completions.map((r) => JSON.parse(r.detail!) as { verdict: string; reason?: string });
    assert.equal(verdicts.filter((v) => v.verdict === 'accepted').length, 21);
    assert.equal(verdicts.filter((v) => v.verdict === 'duplicate').length, 1);
    assert.deepEqual(
      verdicts.filter((v) => v.verdict === 'rejected').map((v) => v.reason),
      [`status failed does not count for ${rest[0]}`],
    );
    const command = trail.find((r) => r.kind === 'command');
    assert.deepEqual(JSON.parse(command!.detail!), {
      command: 'complete',
      reason: 'scraper re-run by hand',
      requested_by: 'ops@test',
      processor: rest.at(-1),
    });
    const trigger = trail.find((r) => r.kind === 'trigger');
    assert.deepEqual(
      [trigger?.phase, trigger?.trigger_id, trigger?.trigger_source],
      ['phase3', gameDayTriggerId(date, 'phase3'), 'orchestrator'],
    );
    assert.equal(published.length, 1);
  });

  it('never doubles a row when a batch is written again', async () => {
    const events = await eventsOfDate(bigquery, date);
    const before = await eventCount();
    await recordRunEvents(bigquery, events); // a retry of a write that had gone through
    await recordRunEvents(bigquery, [...events.slice(1), { ...events[0]!, eventId: `${events[0]!.eventId}-new` }]);
    assert.equal(await eventCount(), before + 1);
  });

  it('records a close once, however often it is written', async () => {
    const run = {
      gameDate: '2025-09-02',
      runId: 'run-closed-twice',
      workflowId: workflowIdFor('2025-09-02'),
      outcome: 'completed',
      correlationId: null,
      openedAt: '2025-09-02T08:00:00.000Z',
      closedAt: '2025-09-03T08:00:00.000Z',
    };
    await recordRunClosed(bigquery, run);
    await recordRunClosed(bigquery, { ...run, closedAt: '2025-09-03T09:00:00.000Z' }); // a retried write
    const [row] = await runQuery(
      bigquery,
      "SELECT COUNT(*) AS n FROM nba_orchestration.game_day_runs WHERE run_id = 'run-closed-twice'",
    );
    assert.equal(Number(row?.n), 1);
    assert.equal((await closedRunOf(bigquery, run.gameDate))?.closedAt, '2025-09-03T08:00:00.000Z');
  });

  it('fires the trigger while its history table is gone, alerts, and writes the events once it is back', async () => {
    const kept = await eventsOfDate(bigquery, date); // the first test's run, restored with the table below
    await runQuery(bigquery, 'DROP TABLE nba_orchestration.game_day_events');
    const broken = '2025-09-21';
    for (const name of processorNames('phase2')) await send(completion('phase2', name, broken));
    await eventually(
      () => Promise.resolve(triggersFor(broken)),
      (fired) => fired.length === 1,
      'the phase 3 trigger with the history table gone',
    );
    // Past the write's deadline (the server's clock skips the retries), the run alerts and goes on.
    await env.sleep(3 * 60_000);
    const alerted = await eventually(
      () => Promise.resolve(alertsFor(broken)),
      (found) => found.some((a) => a.kind === 'run-history-failing'),
      'the run-history-failing alert',
    );
    assert.equal(alerted.find((a) => a.kind === 'run-history-failing')?.severity, 'warning');
    const status = await env.client.workflow.getHandle(workflowIdFor(broken)).query(statusQuery);
    assert.equal(status.phases.phase2.status, 'triggered');

    await ensureSchema(bigquery); // the table recreated
    await recordRunEvents(bigquery, kept);
    await env.sleep(2 * 60_000); // the run's next try
    const trail = await eventually(
      () => eventsOfDate(bigquery, broken),
      (events) => events.some((e) => e.kind === 'trigger'),
      'the events written once the table is back',
    );
    const completions = trail.filter((e) => e.kind === 'completion');
    assert.equal(completions.length, 21);
    assert.equal(new Set(trail.map((e) => e.eventId)).size, trail.length, 'no event written twice');
    assert.equal(triggersFor(broken).length, 1);
  });

  it('lets pipeline status answer from the run history when Temporal has no run', async () => {
    const purged = '2025-09-01';
    await recordRunEvents(bigquery, [
      {
        eventId: 'purged-1',
        gameDate: purged,
        correlationId: 'corr-purged',
        kind: 'trigger',
        phase: 'phase3',
        triggerId: gameDayTriggerId(purged, 'phase3'),
        triggerSource: 'orchestrator',
        at: '2025-09-01T12:00:00.000Z',
        detail: { key: 'phase3', fired: true },
      },
      {
        eventId: 'purged-2',
        gameDate: purged,
        correlationId: 'corr-purged',
        kind: 'close',
        at: '2025-09-04T12:00:00.000Z',
        detail: { outcome: 'expired' },
      },
    ]);
    const status = await statusFromAnywhere(env.client, purged, fromRunHistory);
    assert.equal(status.source, 'run-history');
    assert.match(status.source_note ?? '', /Temporal has no run/);
    assert.equal(status.phases.phase2.status, 'triggered');
    assert.equal(status.waiting_on, 'expired');
    assert.equal(status.correlation_id, 'corr-purged');
    assert.match(status.web_ui, /\/namespaces\/default\/workflows\/game-day-2025-09-01$/);
  });

  it('answers live while a worker runs, and from the run history once none does', async () => {
    assert.equal((await statusFromAnywhere(env.client, date, fromRunHistory)).source, 'live');
    worker.shutdown();
    await running;
    const status = await statusFromAnywhere(env.client, date, fromRunHistory);
    assert.equal(status.source, 'run-history');
    assert.match(status.source_note ?? '', /did not answer its query/);
    assert.equal(status.temporal_status, 'RUNNING');
    assert.equal(status.phases.phase2.completed_count, 21);
    assert.equal(status.phases.phase2.triggered_at !== null, true);
  });
});
