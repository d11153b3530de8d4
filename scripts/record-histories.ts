// Records this release's histories for the replay test, from runs on the time-skipping server:
// a whole event-driven day, the backup path (timers, retries, SLA alert), a continue-as-new in the
// middle of a trigger, and a late run for a date that had closed. Each release keeps its own folder
// under test/histories/<version>/, so a change that would break runs still open fails CI.
//   npx tsx scripts/record-histories.ts
import fs from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { version } from '../package.json';
import { signalCompletion } from '../src/bridge/signal';
import type { Activities } from '../src/activities';
import type { ExportRun } from '../src/activities/exports';
import type { Completion } from '../src/messages/completion';
import type { TriggerRequest } from '../src/messages/trigger';
import { addDays } from '../src/messages/dates';
import { pipeline } from '../src/pipeline/definition';
import {
  gameDayTriggerId,
  phase4CascadeWorkflowId,
  phase5WorkflowId,
  triggerKeys,
  workflowIdFor,
} from '../src/pipeline/ids';
import { gameDayWorkflow } from '../src/workflows/game-day';
import { openSignal } from '../src/workflows/signals';
import { completion, processorNames } from '../test/helpers/messages';
import { memoryRunHistory, timeSkippingEnvironment, workflowsPath } from '../test/helpers/servers';

const taskQueue = 'record';
const outDir = path.resolve(__dirname, '../test/histories', version);

async function main(): Promise<void> {
  const env = await timeSkippingEnvironment();
  const runHistory = memoryRunHistory();
  let releasePublish: (() => void) | undefined;
  const held = new Promise<void>((resolve) => (releasePublish = resolve));
  const featureRows = [0, 120];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    activities: {
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
    } satisfies Partial<Activities>,
  });
  const days = { whole: '2025-03-01', continued: '2025-03-02', late: '2025-03-03', backup: '' };
  const send = (c: Completion) => signalCompletion(env.client, taskQueue, c);

  await worker.runUntil(async () => {
    // A whole event-driven day, phase 2 through the exports.
    for (const phase of ['phase2', 'phase3'] as const)
      for (const name of processorNames(phase)) await send(completion(phase, name, days.whole));
    for (const { processors } of pipeline.phase4Levels)
      for (const name of processors) await send(completion('phase4', name, days.whole));
    await send(completion('phase5', 'PredictionCoordinator', days.whole, { metadata: { completion_pct: 95 } }));
    await record(env.client, days.whole, 'whole-day', {
      phase4: phase4CascadeWorkflowId(days.whole),
      phase5: phase5WorkflowId(days.whole),
    });

    // The backup path: phase 4 never reports; BigQuery answers at 06:05; retries; the SLA alert.
    // Days ahead of the server's clock (time skipping has moved it), so every deadline applies.
    days.backup = addDays(new Date(await env.currentTimeMs()).toISOString().slice(0, 10), 3);
    await send(completion('phase2', 'BdlGamesProcessor', days.backup));
    await until(() =>
      env.client.workflow
        .getHandle(phase5WorkflowId(days.backup))
        .describe()
        .then(
          () => true,
          () => false,
        ),
    );
    await env.client.workflow.getHandle(phase5WorkflowId(days.backup)).result();
    await write(env.client, phase5WorkflowId(days.backup), undefined, 'backup-path-phase5');
    await write(env.client, workflowIdFor(days.backup), undefined, 'backup-path-run');

    // Continue-as-new while the phase 3 publish is in flight: it waits for the step to end. (Last of the
    // timer paths: after an activity that heartbeats, the test server no longer skips time.)
    await env.client.workflow.signalWithStart(gameDayWorkflow, {
      workflowId: workflowIdFor(days.continued),
      taskQueue,
      args: [{ gameDate: days.continued, continueAsNewAfterEvents: 150 }],
      signal: openSignal,
      signalArgs: [],
    });
    const firstRunId = (await env.client.workflow.getHandle(workflowIdFor(days.continued)).describe()).runId;
    for (const name of processorNames('phase2')) await send(completion('phase2', name, days.continued));
    for (let i = 0; i < 300; i++) await send(completion('phase2', 'BdlGamesProcessor', days.continued));
    releasePublish?.();
    await until(
      async () => (await env.client.workflow.getHandle(workflowIdFor(days.continued)).describe()).runId !== firstRunId,
    );
    await write(env.client, workflowIdFor(days.continued), firstRunId, 'continue-as-new-mid-trigger');

    // A date the run history says closed: the new run ends at once as late.
    runHistory.closed.set(days.late, {
      gameDate: days.late,
      runId: 'purged',
      workflowId: workflowIdFor(days.late),
      outcome: 'completed',
      correlationId: null,
      openedAt: null,
      closedAt: '2025-03-04T12:00:00.000Z',
    });
    await send(completion('phase2', 'BdlGamesProcessor', days.late));
    await record(env.client, days.late, 'late-run');
  });
  await env.teardown();
}

/** Waits for the date's run to close, then writes its history as `<name>` and each child's as `<name>-<key>`. */
async function record(client: Client, date: string, name: string, children: Record<string, string> = {}) {
  await client.workflow.getHandle(workflowIdFor(date)).result();
  await write(client, workflowIdFor(date), undefined, name);
  for (const [key, workflowId] of Object.entries(children))
    await write(client, workflowId, undefined, `${name}-${key}`);
}

async function write(client: Client, workflowId: string, runId: string | undefined, name: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
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
