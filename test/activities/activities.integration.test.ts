// The activities with logic of their own, run one at a time in MockActivityEnvironment against the
// real Pub/Sub emulator and bqemulator: what they publish and write, their heartbeats while Pub/Sub
// does not answer (the emulator stopped with SIGSTOP), and how they stop waiting when cancelled.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PubSub, type Message } from '@google-cloud/pubsub';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createExportActivities, type ExportDocument, type ExportRun } from '../../src/exports/activities';
import { createPublishActivities } from '../../src/triggers/publish';
import { createRunHistoryActivities, type ClosedRun } from '../../src/run-history/activities';
import { localDirectoryStorage } from '../../src/exports/storage';
import { seedSampleDay } from '../../dev/sample/sample-day';
import { deadLetterAttributes } from '../../src/messages/dead-letter';
import { emulatorAuth } from '../../src/platform/clients';
import { errorMessage } from '../../src/platform/errors';
import { ensureTopology } from '../../src/platform/infra/topology';
import { parseCompletion } from '../../src/messages/completion';
import type { ExportComplete } from '../../src/messages/export-message';
import type { TriggerRequest } from '../../src/messages/trigger';
import { phaseDefinition, pipeline } from '../../src/pipeline/definition';
import { exportPaths } from '../../src/pipeline/exports';
import { exportWorkflowIdFor, gameDayTriggerId, triggerKeys, workflowIdFor } from '../../src/pipeline/ids';
import { pubsubEmulatorSpec } from '../../dev/stack/local';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../dev/stack/ephemeral';
import { startService, type RunningService } from '../../dev/stack/services';
import { eventually } from '../helpers/eventually';
import { completion } from '../helpers/messages';
import { freePort, tempDir } from '../helpers/servers';

const project = 'nba-props-platform';
const gameDate = '2025-12-20';

let dir: string;
let pubsubService: RunningService;
let pubsub: PubSub;
let bigqueryEmulator: BigQueryEmulator;
let publish: ReturnType<typeof createPublishActivities>;
let runHistory: ReturnType<typeof createRunHistoryActivities>;
let exportActivities: ReturnType<typeof createExportActivities>;

before(async () => {
  dir = tempDir('activities-it');
  const port = await freePort();
  [pubsubService, bigqueryEmulator] = await Promise.all([
    startService(pubsubEmulatorSpec('127.0.0.1', port), dir),
    startBigQueryEmulator(dir, project),
  ]);
  pubsub = new PubSub({
    projectId: project,
    apiEndpoint: `127.0.0.1:${port}`,
    emulatorMode: true,
    auth: emulatorAuth(),
  });
  await ensureTopology(pubsub);
  await seedSampleDay(bigqueryEmulator.bigquery, gameDate, { players: 12 });
  publish = createPublishActivities(pubsub);
  runHistory = createRunHistoryActivities(bigqueryEmulator.bigquery, pubsub);
  exportActivities = createExportActivities({
    bigquery: bigqueryEmulator.bigquery,
    pubsub,
    storage: localDirectoryStorage(path.join(dir, 'exports')),
  });
});

after(async () => {
  pubsubService.child.kill('SIGCONT');
  await pubsub.close();
  await pubsubService.stop();
  await bigqueryEmulator.stop();
});

/** Every message published to `topic` from now on, as it arrives. */
async function watch(topic: string): Promise<Message[]> {
  const [subscription] = await pubsub.topic(topic).createSubscription(`watch-${topic}-${Date.now()}`);
  const seen: Message[] = [];
  subscription.on('message', (message: Message) => {
    message.ack();
    seen.push(message);
  });
  after(() => subscription.close());
  return seen;
}

/** Runs `work` as an activity in `env` (typed: MockActivityEnvironment.run cannot infer the result). */
function inActivity<T>(env: MockActivityEnvironment, work: () => Promise<T>): Promise<T> {
  return env.run<[], T, () => Promise<T>>(work);
}

/** Runs `work` while the Pub/Sub emulator is stopped: connections stay open, nothing answers. */
async function whilePubSubStalls<T>(work: () => Promise<T>): Promise<T> {
  pubsubService.child.kill('SIGSTOP');
  try {
    return await work();
  } finally {
    pubsubService.child.kill('SIGCONT');
  }
}

/** Runs `work` as an activity, cancels it once it has heartbeat, and returns what it failed with. */
async function failureAfterHeartbeatAndCancel(work: () => Promise<unknown>): Promise<unknown> {
  const env = new MockActivityEnvironment();
  const heartbeat = once(env, 'heartbeat');
  const running = inActivity(env, work).then(
    () => undefined,
    (error: unknown) => error,
  );
  await Promise.race([
    heartbeat,
    running.then(() => assert.fail('ended while Pub/Sub was stopped')),
    new Promise((_, reject) => setTimeout(() => reject(new Error('no heartbeat within 15 s')), 15_000).unref()),
  ]);
  env.cancel();
  return running;
}

const trigger = (key: string): TriggerRequest => ({
  topic: pipeline.topics.phase3Trigger,
  message: {
    phase: 'phase3',
    game_date: gameDate,
    correlation_id: `corr-${gameDate}`,
    trigger_source: 'orchestrator',
    triggered_by: pipeline.triggeredBy.phase3,
    upstream_processors_count: 21,
    timestamp: '2025-12-20T12:00:00.000Z',
    trigger_id: gameDayTriggerId(gameDate, key),
  },
});

describe('publishTrigger', () => {
  it('returns the message id once Pub/Sub has it: the trigger as JSON, its id, phase and date as attributes', async () => {
    const seen = await watch(pipeline.topics.phase3Trigger);
    const request = trigger(triggerKeys.phase3);
    const messageId = await inActivity(new MockActivityEnvironment(), () => publish.publishTrigger(request));
    const [message] = await eventually(
      () => seen.filter((m) => m.id === messageId),
      (found) => found.length === 1,
      `message ${messageId} on ${request.topic}`,
    );
    assert.deepEqual(JSON.parse(message!.data.toString('utf8')), request.message);
    assert.deepEqual(message!.attributes, {
      trigger_id: request.message.trigger_id,
      phase: 'phase3',
      game_date: gameDate,
    });
  });

  it('heartbeats while Pub/Sub does not answer, and stops waiting as soon as Temporal cancels it', async () => {
    const outcome = await whilePubSubStalls(() =>
      failureAfterHeartbeatAndCancel(() => publish.publishTrigger(trigger('stalled'))),
    );
    // Without the cancellation the publish would end only at the client's own timeout, as a gRPC error.
    assert.ok(outcome instanceof CancelledFailure, `expected a cancellation, got ${errorMessage(outcome)}`);
  });
});

describe('run history activities', () => {
  const closed: ClosedRun = {
    gameDate,
    runId: 'run-1',
    workflowId: workflowIdFor(gameDate),
    outcome: 'completed',
    correlationId: `corr-${gameDate}`,
    openedAt: '2025-12-20T10:00:00.000Z',
    closedAt: '2025-12-21T18:00:00.000Z',
  };

  it('closedRunOf answers the close recordRunClosed wrote, and null for a date that never closed', async () => {
    const env = new MockActivityEnvironment();
    assert.equal(await inActivity(env, () => runHistory.closedRunOf(gameDate)), null);
    await inActivity(env, () => runHistory.recordRunClosed(closed));
    assert.deepEqual(await inActivity(env, () => runHistory.closedRunOf(gameDate)), closed);
    assert.equal(await inActivity(env, () => runHistory.closedRunOf('2025-12-19')), null);
  });

  it('dead-letters each late completion in the format processors publish, with the reason, its source topic and execution id', async () => {
    const seen = await watch(pipeline.topics.deadLetter);
    const late = [
      completion('phase2', 'BdlGamesProcessor', gameDate, { executionId: 'late-1' }),
      completion('phase3', 'PlayerGameSummaryProcessor', gameDate, { executionId: 'late-2' }),
    ];
    const reason = `late: ${workflowIdFor(gameDate)} closed`;
    await inActivity(new MockActivityEnvironment(), () =>
      runHistory.deadLetterCompletions({ completions: late, reason }),
    );
    const letters = await eventually(
      () => seen.filter((m) => m.attributes.source_execution_id?.startsWith('late-')),
      (found) => found.length === 2,
      'both dead letters',
    );
    for (const sent of late) {
      const letter = letters.find((m) => m.attributes.source_execution_id === sent.executionId);
      assert.ok(letter, `no dead letter for ${sent.executionId}`);
      // Replayable: it parses on its source topic into the completion the run had.
      const topic = letter.attributes[deadLetterAttributes.sourceTopic]!;
      assert.deepEqual(parseCompletion(letter.data.toString('utf8'), topic, 'replayed-id'), { ok: true, value: sent });
      assert.equal(letter.attributes[deadLetterAttributes.reason], reason);
      assert.equal(letter.attributes[deadLetterAttributes.sourceTopic], phaseDefinition(sent.phase).completionTopic);
      assert.ok(!Number.isNaN(Date.parse(letter.attributes[deadLetterAttributes.receivedAt] ?? '')));
    }
  });

  it('heartbeats while the dead letters wait on Pub/Sub, and stops waiting when cancelled', async () => {
    const late = { completions: [completion('phase2', 'BdlGamesProcessor', gameDate)], reason: 'late: stalled' };
    const outcome = await whilePubSubStalls(() =>
      failureAfterHeartbeatAndCancel(() => runHistory.deadLetterCompletions(late)),
    );
    assert.ok(outcome instanceof CancelledFailure, `expected a cancellation, got ${errorMessage(outcome)}`);
  });
});

describe('export activities', () => {
  const readExport = (objectPath: string) =>
    JSON.parse(fs.readFileSync(path.join(dir, 'exports', objectPath), 'utf8')) as ExportDocument;

  it('runExport writes the dated and the latest file with the rows of the query, and says how many', async () => {
    const env = new MockActivityEnvironment();
    const run: ExportRun = { exportType: 'predictions', targetDate: gameDate, updateLatest: true };
    const written = await inActivity(env, () => exportActivities.runExport(run));
    assert.deepEqual(written.paths, exportPaths('predictions', gameDate, true));
    assert.ok(written.paths.length > 1, 'a dated and a latest path');
    assert.ok(written.rowCount > 0, 'the seeded day has predictions');
    const [dated, ...latest] = written.paths.map(readExport);
    assert.equal(dated!.target_date, gameDate);
    assert.equal(dated!.export_type, 'predictions');
    assert.equal(dated!.row_count, written.rowCount);
    assert.equal(dated!.rows.length, written.rowCount);
    for (const copy of latest) assert.deepEqual(copy, dated);
  });

  it('runExport refuses an unknown export type or a target date that is not YYYY-MM-DD, for good', async () => {
    const env = new MockActivityEnvironment();
    const refused = (error: unknown) =>
      error instanceof ApplicationFailure && error.nonRetryable && error.type === 'InvalidExportRequest';
    // Arguments arrive as JSON: a workflow of another release could name a type this one lacks.
    const unknownType = { exportType: 'box-scores', targetDate: gameDate, updateLatest: false } as unknown as ExportRun;
    const relativeDate: ExportRun = { exportType: 'predictions', targetDate: 'today', updateLatest: false };
    await assert.rejects(
      inActivity(env, () => exportActivities.runExport(unknownType)),
      refused,
    );
    await assert.rejects(
      inActivity(env, () => exportActivities.runExport(relativeDate)),
      refused,
    );
  });

  it('publishExportComplete publishes the report with its trigger id, phase, target date and status', async () => {
    const seen = await watch(pipeline.topics.phase6ExportComplete);
    const report: ExportComplete = {
      trigger_id: gameDayTriggerId(gameDate, triggerKeys.phase6),
      correlation_id: `corr-${gameDate}`,
      workflow_id: exportWorkflowIdFor(gameDate, 'tonight'),
      target_date: gameDate,
      status: 'partial',
      export_types: ['predictions', 'streaks'],
      succeeded: ['predictions'],
      failed: [{ export_type: 'streaks', error: 'query failed' }],
      paths: exportPaths('predictions', gameDate, true),
      row_counts: { predictions: 12 },
      trigger_source: 'orchestrator',
      triggered_by: 'phase5_to_phase6_orchestrator',
      timestamp: '2025-12-20T13:00:00.000Z',
      phase: 'phase6',
    };
    const messageId = await inActivity(new MockActivityEnvironment(), () =>
      exportActivities.publishExportComplete(report),
    );
    const [message] = await eventually(
      () => seen.filter((m) => m.id === messageId),
      (found) => found.length === 1,
      `export-complete message ${messageId}`,
    );
    assert.deepEqual(JSON.parse(message!.data.toString('utf8')), report);
    assert.deepEqual(message!.attributes, {
      trigger_id: report.trigger_id,
      phase: 'phase6',
      target_date: gameDate,
      status: 'partial',
    });
  });
});
