// Records histories for the replay test from runs on the time-skipping server: the timer paths
// (backup start, retries, SLA alert) that a simulated day on the local stack never takes.
//   npx tsx scripts/record-histories.ts
// The simulated day itself is recorded from the local stack with `temporal workflow show … --output json`.
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { signalCompletion } from '../src/bridge/signal';
import { workflowIdFor } from '../src/pipeline/definition';
import { completion } from '../test/helpers/messages';
import { timeSkippingEnvironment, workflowsPath } from '../test/helpers/servers';

async function main(): Promise<void> {
  const env = await timeSkippingEnvironment();
  const featureRows = [0, 120];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'record',
    workflowsPath,
    activities: {
      publishTrigger: async () => 'message',
      sendAlert: async () => undefined,
      featureRowCount: async () => (featureRows.length > 1 ? featureRows.shift()! : featureRows[0]!),
      playersMissingPredictions: async () => ['lebron-james'],
      predictionCoverage: async () => ({ predicted: 70, expected: 100, pct: 70 }),
    },
  });
  const date = '2030-01-15'; // ahead of the clock, so every deadline applies
  await worker.runUntil(async () => {
    await signalCompletion(env.client, 'record', completion('phase2', 'BdlGamesProcessor', date));
    const phase5 = env.client.workflow.getHandle(`${workflowIdFor(date)}/phase5`);
    for (let i = 0; i < 100 && !(await phase5.describe().then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 50));
    await phase5.result();
    for (const [id, name] of [
      [`${workflowIdFor(date)}/phase5`, 'backup-path-phase5'],
      [workflowIdFor(date), 'backup-path-run'],
    ] as const) {
      const history = await env.client.workflow.getHandle(id).fetchHistory();
      const file = path.resolve(__dirname, '../test/histories', `${name}.json`);
      fs.writeFileSync(file, `${historyToJSON(history)}\n`);
      console.log(`${history.events?.length ?? 0} events → ${path.relative(process.cwd(), file)}`);
    }
  });
  await env.teardown();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
