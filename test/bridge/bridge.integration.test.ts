// The bridge and the worker against the real servers: the Temporal dev server, the Pub/Sub emulator and bqemulator.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from '../../src/worker/activities';
import { localDirectoryStorage } from '../../src/exports/storage';
import { deadLetterAttributes } from '../../src/messages/dead-letter';
import { deadLetterPublisher } from '../../src/bridge/dead-letter';
import { createHandler, type Handle, type Verdict } from '../../src/bridge/handler';
import { pullAll } from '../../src/bridge/pull';
import { ensureTopology } from '../../src/platform/infra/topology';
import type { Phase5Start, Trigger, TriggerRequest } from '../../src/messages/trigger';
import type { PublishActivities } from '../../src/triggers/publish';
import type { Activities } from '../../src/worker/activities';
import { addDays } from '../../src/time';
import { completionTopics, pipeline } from '../../src/pipeline/definition';
import { gameDayTriggerId, triggerKeys, workflowIdFor } from '../../src/pipeline/ids';
import { readStatus } from '../../src/cli/status-sources';
import { until } from '../helpers/eventually';
import { completedActivities, type CompletedActivity } from '../helpers/idle-runs';
import { processorNames } from '../helpers/messages';
import { phaseCompletions, withAnnouncements, type SimulatedMessage } from '../../dev/simulate/day';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../dev/stack/ephemeral';
import {
  startDevServer,
  startPubSubEmulator,
  tempDir,
  workflowBundle,
  type DevServer,
  type PubSubEmulator,
} from '../helpers/servers';

const taskQueue = 'bridge-integration';
const log = pino({ level: 'silent' });
const maxMessageBytes = 4096;
const phase2Topic = 'nba-phase2-raw-complete';
const phase3Topic = 'nba-phase3-analytics-complete';
/** Where ml_feature_store_v2 announces itself: a completion topic now, not the phase 5 start. */
const mlFeatureStoreTopic = 'nba-phase4-precompute-complete';

let temporal: DevServer;
let emulator: PubSubEmulator;
let bigquery: BigQueryEmulator;
let client: Client;
let workerConnection: NativeConnection;
let worker: Worker;
const observers: Subscription[] = [];
let workerRun: Promise<void>;
let bridge: { close(): Promise<void> };
type Seen = { id: string; data: string; attributes: Record<string, string> };
const seen: Record<string, Seen[]> = {};
const verdicts: Verdict[] = [];
/** The bridge's last verdict on each message, by Pub/Sub message id. */
const lastVerdicts = new Map<string, Verdict>();

before(async () => {
  const dir = tempDir('bridge-it');
  [temporal, emulator, bigquery] = await Promise.all([
    startDevServer(dir),
    startPubSubEmulator(dir),
    startBigQueryEmulator(dir),
  ]);
  const pubsub = emulator.pubsub;
  for (const topic of [
    pipeline.topics.phase3Trigger,
    pipeline.topics.phase4Trigger,
    pipeline.topics.phase5Start,
    mlFeatureStoreTopic,
    pipeline.topics.deadLetter,
  ]) {
    const received: Seen[] = (seen[topic] = []);
    const [subscription] = await pubsub.topic(topic).createSubscription(`observer-${topic}`);
    observers.push(subscription);
    subscription.on('message', (m: Message) => {
      m.ack();
      received.push({ id: m.id, data: m.data.toString('utf8'), attributes: m.attributes });
    });
  }
  workerConnection = await NativeConnection.connect({ address: temporal.address });
  client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  worker = await Worker.create({
    connection: workerConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      pubsub,
      // The run history: each new run asks whether its date closed before.
      bigquery: bigquery.bigquery,
      storage: localDirectoryStorage(dir),
      temporalClient: client,
    }),
  });
  workerRun = worker.run();
  const handle = createHandler({
    client,
    taskQueue,
    maxMessageBytes,
    deadLetter: deadLetterPublisher(pubsub),
    signalTimeoutMs: 2000,
    backoff: { minSeconds: 1, maxSeconds: 1 },
    log,
  });
  const recordingHandle: Handle = async (message) => {
    const verdict = await handle(message);
    verdicts.push(verdict);
    lastVerdicts.set(message.id, verdict);
    return verdict;
  };
  bridge = pullAll(pubsub, completionTopics, recordingHandle, {
    maxOutstanding: 100,
    redelivery: 'ack-deadline',
    readyTopology: () => ensureTopology(pubsub),
    onFatal: (error) => assert.fail(error),
    log,
  });
});

after(async () => {
  await bridge.close();
  worker.shutdown();
  await workerRun;
  await workerConnection.close();
  await Promise.all(observers.map((o) => o.close()));
  await client.connection.close();
  await emulator.stop();
  await bigquery.stop();
  await temporal.stop();
});

function completionMessage(processor: string, gameDate: string, extra: Record<string, unknown> = {}) {
  return {
    processor_name: processor,
    phase: 'phase_2_raw',
    execution_id: `${processor}-${gameDate}`,
    correlation_id: `corr-${gameDate}`,
    game_date: gameDate,
    status: 'success',
    ...extra,
  };
}

const publishJson = (pubsub: PubSub, topic: string, body: unknown) =>
  pubsub.topic(topic).publishMessage({ json: body });
const publishRaw = (pubsub: PubSub, topic: string, data: string) =>
  pubsub.topic(topic).publishMessage({ data: Buffer.from(data) });

const publishTrigger: keyof PublishActivities = 'publishTrigger';
const deadLetterCompletions: keyof Activities = 'deadLetterCompletions';

/**
 * Waits until the work the messages `sent` started is over, and returns the activities the runs of
 * `dates` (children included) completed: the bridge acked every message, so each signal is in its
 * run's history; the runs are idle; and the observers have every trigger those runs published. A
 * duplicate trigger is one more completed publish in a history, so it is awaited and counted too.
 */
async function allDone(sent: string[], dates: string[]): Promise<CompletedActivity[]> {
  await until(() => sent.every((id) => lastVerdicts.get(id)?.action === 'ack'), 'the bridge acking every message');
  const activities = await completedActivities(client, dates.map(workflowIdFor));
  const observed = (activity: CompletedActivity) => {
    const { topic } = activity.input[0] as TriggerRequest;
    return seen[topic] === undefined || seen[topic].some((s) => s.id === activity.result);
  };
  const published = activities.filter((a) => a.activityType === publishTrigger);
  await until(() => published.every(observed), 'the observers receiving every trigger published');
  return activities;
}
const triggersFor = (topic: string, date: string) =>
  (seen[topic] ?? [])
    .map((s) => ({ ...s, body: JSON.parse(s.data) as Trigger }))
    .filter((s) => s.body.game_date === date);
const deadLettersMentioning = (text: string) =>
  (seen[pipeline.topics.deadLetter] ?? []).filter((s) => s.data.includes(text));
const reasonOf = (letter: Seen) => letter.attributes[deadLetterAttributes.reason] ?? '';

describe('bridge and worker on the real servers', () => {
  it('turns 21-way concurrent publishing with duplicates over several dates into one trigger per date', async () => {
    const dates = ['2025-12-01', '2025-12-02', '2025-12-03', '2025-12-04'];
    const { pubsub } = emulator;
    const sent = await Promise.all(
      dates.flatMap((date) =>
        processorNames('phase2').flatMap((name) => [
          publishJson(pubsub, phase2Topic, completionMessage(name, date)),
          publishJson(pubsub, phase2Topic, completionMessage(name, date)), // a duplicate delivery
        ]),
      ),
    );
    await allDone(sent, dates);
    for (const date of dates) {
      const triggers = triggersFor(pipeline.topics.phase3Trigger, date);
      assert.equal(triggers.length, 1, `one phase 3 trigger for ${date}`);
      assert.equal(triggers[0]!.attributes.trigger_id, gameDayTriggerId(date, triggerKeys.phase3));
      assert.equal(triggers[0]!.body.correlation_id, `corr-${date}`);
      assert.equal(triggers[0]!.body.upstream_processors_count, 21);
    }

    const date = dates[0]!;
    const phase3Sent = await Promise.all(
      processorNames('phase3').flatMap((name) => [
        publishJson(pubsub, phase3Topic, completionMessage(name, date, { phase: 'phase_3_analytics' })),
        publishJson(pubsub, phase3Topic, completionMessage(name, date, { phase: 'phase_3_analytics' })),
      ]),
    );
    // The night's results start the next day's slate (the schedule says nothing here).
    const slate = addDays(date, 1);
    await until(() => triggersFor(pipeline.topics.phase4Trigger, slate).length > 0, 'the phase 4 level 1 trigger');
    await allDone(phase3Sent, [date, slate]);
    const level1 = triggersFor(pipeline.topics.phase4Trigger, slate);
    assert.equal(level1.length, 1);
    assert.equal(level1[0]!.attributes.trigger_id, gameDayTriggerId(slate, triggerKeys.phase4Level(1)));
  });

  it('dead-letters what it cannot accept, with the reason and the payload, and keeps going', async () => {
    const { pubsub } = emulator;
    const bad = {
      malformed: '{"processor_name": "BdlGamesProcessor", "game_date": "dl-malformed"',
      missing: JSON.stringify({ processor_name: 'BdlGamesProcessor', note: 'dl-missing' }),
      badDate: JSON.stringify(completionMessage('BdlGamesProcessor', '2025-13-45', { note: 'dl-bad-date' })),
      unknown: JSON.stringify(completionMessage('NoSuchProcessor', '2025-12-20', { note: 'dl-unknown' })),
      oversized: JSON.stringify(
        completionMessage('BdlGamesProcessor', '2025-12-20', {
          note: 'dl-oversized',
          blob: 'x'.repeat(maxMessageBytes),
        }),
      ),
    };
    for (const data of Object.values(bad)) await publishRaw(pubsub, phase2Topic, data);
    await publishJson(pubsub, phase2Topic, completionMessage('BdlGamesProcessor', '2025-12-21')); // a good one after the bad

    const expectations: Array<[string, RegExp]> = [
      ['dl-malformed', /^invalid: not JSON/],
      ['dl-missing', /^invalid: game_date: required; status: required/],
      ['dl-bad-date', /^invalid: game_date: must be a calendar date/],
      ['dl-unknown', /^invalid: unknown processor NoSuchProcessor for phase2/],
      ['dl-oversized', /^oversized: \d+ bytes exceeds the 4096-byte limit/],
    ];
    await until(() => expectations.every(([marker]) => deadLettersMentioning(marker).length > 0), 'dead letters');
    for (const [marker, reason] of expectations) {
      const letters = deadLettersMentioning(marker);
      assert.equal(letters.length, 1, marker);
      assert.match(reasonOf(letters[0]!), reason, marker);
      assert.equal(letters[0]!.attributes[deadLetterAttributes.sourceTopic], phase2Topic);
      assert.ok(Object.values(bad).includes(letters[0]!.data), `${marker}: original payload kept`);
    }
    await until(
      async () => (await readStatus(client, '2025-12-21')).phases.phase2.completed_count === 1,
      'the good message',
    );
  });

  it('reports a message for a closed date as late and starts nothing', async () => {
    const { pubsub } = emulator;
    const date = '2025-12-22';
    await publishJson(pubsub, phase2Topic, completionMessage('BdlGamesProcessor', date));
    await until(
      async () => (await readStatus(client, date)).phases.phase2.completed_count === 1,
      'the first completion',
    );
    const handle = client.workflow.getHandle(workflowIdFor(date));
    await handle.terminate('closing the date for the test');

    await publishJson(pubsub, phase2Topic, completionMessage('NbacScheduleProcessor', date));
    const isLate = (l: Seen) => l.data.includes(date) && l.data.includes('NbacScheduleProcessor');
    await until(() => (seen[pipeline.topics.deadLetter] ?? []).some(isLate), 'the late report');
    const late = seen[pipeline.topics.deadLetter]!.find(isLate)!;
    assert.match(reasonOf(late), /^late: game-day-2025-12-22 has closed/);
    assert.equal((await handle.describe()).status.name, 'TERMINATED');
  });

  it('loses nothing while Temporal is unreachable: messages are redelivered once it is back', async () => {
    const { pubsub } = emulator;
    const date = '2025-12-23';
    await temporal.stop();
    const sent = await Promise.all(
      processorNames('phase2').map((name) => publishJson(pubsub, phase2Topic, completionMessage(name, date))),
    );
    await until(() => verdicts.some((v) => v.action === 'nack'), 'the bridge nacking while Temporal is down');
    assert.equal(triggersFor(pipeline.topics.phase3Trigger, date).length, 0);
    assert.ok(
      !verdicts.some((v) => v.action === 'ack' && v.outcome === 'dead-lettered' && v.reason.startsWith('exhausted')),
    );

    await temporal.start();
    await until(
      () => triggersFor(pipeline.topics.phase3Trigger, date).length > 0,
      'the phase 3 trigger after the outage',
      90_000,
    );
    await allDone(sent, [date]);
    assert.equal(triggersFor(pipeline.topics.phase3Trigger, date).length, 1);
    assert.equal((await readStatus(client, date)).phases.phase2.completed_count, 21);
  });

  it('starts predictions once, on nba-phase5-trigger, when ml_feature_store_v2 also announces itself', async () => {
    const { pubsub } = emulator;
    // Two slates, each started by the results of the night before it.
    const both = '2025-12-05';
    const announcedOnly = '2025-12-08';
    const sent: string[] = [];
    const publishAll = async (messages: SimulatedMessage[]) => {
      sent.push(...(await Promise.all(messages.map((m) => publishJson(pubsub, m.topic, m.message)))));
    };
    const level = (date: string, n: number) =>
      phaseCompletions('phase4', {
        gameDate: date,
        correlationId: `corr-${date}`,
        only: pipeline.phase4Levels[n - 1]!.processors,
        metadata: n === 3 ? { players_ready: 114, players_total: 120 } : undefined,
      });
    const waitForTrigger = (topic: string, key: string, date: string) =>
      until(
        () => triggersFor(topic, date).some((t) => t.attributes.trigger_id === gameDayTriggerId(date, key)),
        `${key} for ${date}`,
      );
    await Promise.all(
      [both, announcedOnly].map(async (date) => {
        const night = { gameDate: addDays(date, -1), correlationId: `corr-${date}` };
        await publishAll(phaseCompletions('phase2', night));
        await waitForTrigger(pipeline.topics.phase3Trigger, triggerKeys.phase3, night.gameDate);
        await publishAll(phaseCompletions('phase3', night));
        await waitForTrigger(pipeline.topics.phase4Trigger, triggerKeys.phase4Level(1), date);
        await publishAll(level(date, 1));
        await waitForTrigger(pipeline.topics.phase4Trigger, triggerKeys.phase4Level(2), date);
        await publishAll(level(date, 2));
        await waitForTrigger(pipeline.topics.phase4Trigger, triggerKeys.phase4Level(3), date);
      }),
    );
    // One date gets the level 3 completion on both topics (the announcement first), the other only
    // the announcement: it counts as ml_feature_store_v2's completion all the same.
    const announcedFirst = withAnnouncements(level(both, 3)).reverse();
    assert.deepEqual(
      [...new Set(announcedFirst.map((m) => m.topic))],
      [mlFeatureStoreTopic, 'nba-phase4-processor-complete'],
    );
    await publishAll(announcedFirst);
    await publishAll(withAnnouncements(level(announcedOnly, 3)).filter((m) => m.topic === mlFeatureStoreTopic));

    for (const date of [both, announcedOnly])
      await waitForTrigger(pipeline.topics.phase5Start, triggerKeys.phase5, date);
    const activities = await allDone(
      sent,
      [both, announcedOnly].flatMap((date) => [addDays(date, -1), date]),
    );
    // Dead letters come from the bridge's verdicts and the runs' deadLetterCompletions, both now final.
    const deadLettered = sent.filter((id) => {
      const verdict = lastVerdicts.get(id);
      return verdict?.action === 'ack' && verdict.outcome === 'dead-lettered';
    });
    assert.deepEqual(deadLettered, [], 'the bridge dead-lettered none of the messages');
    assert.deepEqual(
      activities.filter((a) => a.activityType === deadLetterCompletions),
      [],
      'no run dead-lettered a completion',
    );
    for (const date of [both, announcedOnly]) {
      const starts = triggersFor(pipeline.topics.phase5Start, date);
      assert.equal(starts.length, 1, `one predictions start for ${date}`);
      assert.equal((starts[0]!.body as Phase5Start).players_ready, 114);
      assert.equal(deadLettersMentioning(date).length, 0, `nothing of ${date} dead-lettered`);
      // The orchestrator publishes nothing of its own on ml_feature_store_v2's topic any more.
      const onFeatureStoreTopic = triggersFor(mlFeatureStoreTopic, date);
      assert.ok(onFeatureStoreTopic.length > 0);
      assert.ok(
        onFeatureStoreTopic.every((m) => m.attributes.trigger_id === undefined && m.body.trigger_id === undefined),
      );
    }
  });
});
