// Export triggers published on nba-phase6-export-trigger, through the bridge's handler with a real
// Temporal (time-skipping server): a person's message runs its exports once however often it is
// delivered; the orchestrator's own trigger runs nothing (the date's run exports it itself).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { ExportRun, ExportWritten } from '../../src/exports/activities';
import { messageExportWorkflowId } from '../../src/bridge/export-trigger';
import { createHandler, type Handle, type IncomingMessage } from '../../src/bridge/handler';
import type { ExportComplete } from '../../src/messages/export-message';
import { pipeline } from '../../src/pipeline/definition';
import { eventually } from '../helpers/eventually';
import { timeSkippingWorker, type TestWorker } from '../helpers/servers';

const taskQueue = 'export-trigger-test';
let testWorker: TestWorker;
let handle: Handle;
const written: string[] = [];
const reports: ExportComplete[] = [];
const deadLettered: string[] = [];

before(async () => {
  testWorker = await timeSkippingWorker(taskQueue, {
    runExport(run: ExportRun): Promise<ExportWritten> {
      written.push(`${run.targetDate}:${run.exportType}`);
      return Promise.resolve({
        exportType: run.exportType,
        paths: [`v1/${run.exportType}/${run.targetDate}.json`],
        rowCount: 1,
      });
    },
    publishExportComplete(report: ExportComplete) {
      reports.push(report);
      return Promise.resolve('export-complete');
    },
  });
  handle = createHandler({
    client: testWorker.env.client,
    taskQueue,
    maxMessageBytes: 64 * 1024,
    log: pino({ level: 'silent' }),
    deadLetter: ({ reason }) => {
      deadLettered.push(reason);
      return Promise.resolve();
    },
  });
});
after(() => testWorker.stop());

const published = (id: string, body: object, attributes: Record<string, string> = {}): IncomingMessage => ({
  topic: pipeline.topics.phase6ExportTrigger,
  id,
  data: Buffer.from(JSON.stringify(body)),
  attributes,
});

describe('export triggers people publish', () => {
  it('run their exports once per message, however often it is delivered', async () => {
    const message = published('msg-1', {
      export_types: ['results', 'best-bets'],
      target_date: '2025-03-01',
      update_latest: false,
      triggered_by: 'seed-002-script',
    });
    const first = await handle(message);
    assert.deepEqual(first, { action: 'ack', outcome: 'export-started', workflowId: messageExportWorkflowId('msg-1') });
    const again = await handle(message); // a redelivery
    assert.equal(again.action, 'ack');
    await eventually(
      () => reports.length,
      (n) => n >= 1,
      'the export report',
    );
    await testWorker.env.client.workflow.getHandle(messageExportWorkflowId('msg-1')).result();
    assert.deepEqual(written.sort(), ['2025-03-01:best-bets', '2025-03-01:results']);
    assert.deepEqual(
      reports.map((r) => [r.trigger_id, r.trigger_source, r.triggered_by]),
      [[messageExportWorkflowId('msg-1'), 'manual', 'seed-002-script']],
    );
  });

  it("leave the orchestrator's own trigger to the date's run", async () => {
    const before = written.length;
    const verdict = await handle(
      published(
        'msg-2',
        {
          export_types: ['tonight'],
          target_date: '2025-03-02',
          update_latest: true,
          trigger_id: 'game-day-2025-03-02/phase6',
        },
        { trigger_id: 'game-day-2025-03-02/phase6' },
      ),
    );
    assert.deepEqual(verdict, { action: 'ack', outcome: 'not-ours' });
    await assert.rejects(testWorker.env.client.workflow.getHandle(messageExportWorkflowId('msg-2')).describe());
    assert.equal(written.length, before);
  });

  it('dead-letters a trigger that names no export', async () => {
    const verdict = await handle(published('msg-3', { export_types: [], target_date: '2025-03-03' }));
    assert.equal(verdict.action, 'ack');
    assert.match(deadLettered.at(-1) ?? '', /^invalid: export trigger: .*export_types/);
  });
});
