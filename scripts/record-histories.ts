// Records this release's histories for the replay test, from runs on the time-skipping server with
// the activities the tests use (test/helpers/servers.ts): last night's results handed over to a
// slate that runs every phase through the exports, a late night whose slate starts by the backup
// (timers, retries, SLA alert), a continue-as-new in the middle of a trigger, and a late run for a
// date that had closed. Each release keeps its own folder under test/histories/<version>/, so a
// change that would break runs still open fails CI. An activity that failed in a recorded history
// fails the script: a history must show the path it is named for.
//   npx tsx scripts/record-histories.ts
import fs from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { version } from '../package.json';
import { openDateRun } from '../src/date-run/client';
import { signalCompletion } from '../src/date-run/client';
import type { Activities } from '../src/worker/activities';
import type { ExportRun } from '../src/exports/activities';
import type { Completion } from '../src/messages/completion';
import type { TriggerRequest } from '../src/messages/trigger';
import { addDays } from '../src/time';
import { pipeline } from '../src/pipeline/definition';
import {
  gameDayTriggerId,
  phase4CascadeWorkflowId,
  phase5WorkflowId,
  triggerKeys,
  workflowIdFor,
} from '../src/pipeline/ids';
import { zonedInstant } from '../src/time';
import { gameDayWorkflow } from '../src/game-day/workflow';
import { openSignal } from '../src/date-run/signals';
import { completedBy, phase5Over } from '../test/helpers/clock';
import { completion, predictionBatch, processorNames } from '../test/helpers/messages';
import { memoryRunHistory, timeSkippingWorker, type TestWorker } from '../test/helpers/servers';

const taskQueue = 'record';
const outDir = path.resolve(__dirname, '../test/histories', version);

async function main(): Promise<void> {
  const runHistory = memoryRunHistory();
  let releasePublish: (() => void) | undefined;
  const held = new Promise<void>((resolve) => (releasePublish = resolve));
  const featureRows = [0, 120];
  const days = { night: '2025-03-01', whole: '2025-03-02', continued: '2025-03-05', late: '2025-03-10', backup: '' };
  const worker = await timeSkippingWorker(taskQueue, {
    ...runHistory.activities,
    publishTrigger: async ({ message }: TriggerRequest) => {
      // The continue-as-new day's phase 3 publish waits while a storm lengthens the history.
      if (message.trigger_id === gameDayTriggerId(days.continued, triggerKeys.phase3)) {
        while (!(await Promise.race([held.then(() => true), sleep(500).then(() => false)])))
          Context.current().heartbeat();
      }
      return 'message';
    },
    sendAlert: () => Promise.resolve({ outcome: 'raised' as const, workflowId: 'alert' }),
    featureRowCount: () => Promise.resolve(featureRows.length > 1 ? featureRows.shift()! : featureRows[0]!),
    playersMissingPredictions: () => Promise.resolve(['lebron-james']),
    predictionCoverage: () => Promise.resolve({ predicted: 70, expected: 100, pct: 70 }),
    runExport: (run: ExportRun) => Promise.resolve({ exportType: run.exportType, paths: [], rowCount: 1 }),
    publishExportComplete: () => Promise.resolve('message'),
  } satisfies Partial<Activities>);
  const { env, client } = worker;
  const send = (c: Completion) => signalCompletion(client, taskQueue, c);
  const results = async (date: string, phase2 = processorNames('phase2'), phase3 = processorNames('phase3')) => {
    for (const name of phase2) await send(completion('phase2', name, date));
    for (const name of phase3) await send(completion('phase3', name, date));
  };

  try {
    // Last night's results handed over to the slate, which runs phase 4 through the exports; then
    // the slate's own results the night after, handed over in their turn: the run closes.
    await results(days.night);
    for (const { processors } of pipeline.phase4Levels)
      for (const name of processors) await send(completion('phase4', name, days.whole));
    await send(predictionBatch(days.whole, 1, 95));
    await results(days.whole);
    await worker.resultBy(workflowIdFor(days.whole), await completedBy(env, days.whole));
    await record(worker, days.whole, 'whole-day', {
      phase4: phase4CascadeWorkflowId(days.whole),
      phase5: phase5WorkflowId(days.whole),
    });

    // A late night: the slate's phase 4 has not reported by 06:00 PT; BigQuery answers at 06:05;
    // retries; the SLA alert. Days ahead of the server's clock, so every deadline applies.
    days.backup = addDays(new Date(await env.currentTimeMs()).toISOString().slice(0, 10), 3);
    await openDateRun(client, days.backup, taskQueue, 'open');
    await worker.skipTo(zonedInstant(days.backup, '03:00', 'America/New_York'));
    const onTime = processorNames('phase2').filter((name) => name !== 'NbacGamebookProcessor');
    await results(addDays(days.backup, -1), onTime, []);
    await worker.skipTo(phase5Over(days.backup));
    await client.workflow.getHandle(phase5WorkflowId(days.backup)).result();
    await write(client, phase5WorkflowId(days.backup), undefined, 'backup-path-phase5');
    await write(client, workflowIdFor(days.backup), undefined, 'backup-path-run');

    // Continue-as-new while the phase 3 publish is in flight: it waits for the step to end. (Last of the
    // timer paths: after an activity that heartbeats, the test server no longer skips time.)
    await client.workflow.signalWithStart(gameDayWorkflow, {
      workflowId: workflowIdFor(days.continued),
      taskQueue,
      args: [{ gameDate: days.continued, continueAsNewAfterEvents: 150 }],
      signal: openSignal,
      signalArgs: [],
    });
    const firstRunId = (await client.workflow.getHandle(workflowIdFor(days.continued)).describe()).runId;
    await results(days.continued, processorNames('phase2'), []);
    for (let i = 0; i < 300; i++) await send(completion('phase2', 'BdlGamesProcessor', days.continued));
    releasePublish?.();
    await until(
      async () => (await client.workflow.getHandle(workflowIdFor(days.continued)).describe()).runId !== firstRunId,
    );
    await write(client, workflowIdFor(days.continued), firstRunId, 'continue-as-new-mid-trigger');

    // A date the run history says closed: the new run ends at once as late.
    runHistory.closed.set(days.late, {
      gameDate: days.late,
      runId: 'purged',
      workflowId: workflowIdFor(days.late),
      outcome: 'completed',
      correlationId: null,
      openedAt: null,
      closedAt: '2025-03-11T12:00:00.000Z',
    });
    await send(completion('phase2', 'BdlGamesProcessor', days.late));
    await client.workflow.getHandle(workflowIdFor(days.late)).result();
    await record(worker, days.late, 'late-run');
  } finally {
    await worker.stop();
  }
}

/** Writes the closed run's history as `<name>` and each child's as `<name>-<key>`. */
async function record(worker: TestWorker, date: string, name: string, children: Record<string, string> = {}) {
  await write(worker.client, workflowIdFor(date), undefined, name);
  for (const [key, workflowId] of Object.entries(children))
    await write(worker.client, workflowId, undefined, `${name}-${key}`);
}

async function write(client: Client, workflowId: string, runId: string | undefined, name: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const failed = (history.events ?? []).filter(
    (e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes,
  );
  if (failed.length > 0) {
    const why = failed.map((e) => e.activityTaskFailedEventAttributes?.failure?.message ?? 'timed out').join('; ');
    throw new Error(
      `${name}: ${failed.length} activities failed in ${workflowId} (${why}): not the path it is named for`,
    );
  }
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${name}.json`);
  fs.writeFileSync(file, `${historyToJSON(history)}\n`);
  console.log(`${history.events?.length ?? 0} events → ${path.relative(process.cwd(), file)}`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(50);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
