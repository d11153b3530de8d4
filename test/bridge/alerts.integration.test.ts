// The bridge's own alerts on the real servers: the Pub/Sub emulator, the Temporal dev server (with
// a worker running the alert workflow) and a webhook receiver on loopback for Slack and PagerDuty.
// A burst of poison messages pages once through the alert workflow; Temporal stopped for longer
// than the threshold (2 s here instead of a minute) pages once, straight to the routes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import pino from 'pino';
import { createAlertActivities } from '../../src/activities/alerts';
import type { AlertRoutes } from '../../src/alerts/send';
import {
  createBridgeAlerts,
  type AlertOutcome,
  type AlertPath,
  type BridgeAlertOptions,
  type BridgeAlerts,
} from '../../src/bridge/alerts';
import { deadLetterPublisher } from '../../src/bridge/dead-letter';
import { createHandler, type Handle, type Verdict } from '../../src/bridge/handler';
import { pullAll, type Pulling } from '../../src/bridge/pull';
import { ensureTopology } from '../../src/infra/topology';
import { completionTopics, pipeline } from '../../src/pipeline/definition';
import { calendarDateIn } from '../../src/workflows/target-date';
import { until } from '../helpers/eventually';
import { startReceiver, type Received, type Receiver } from '../helpers/receiver';
import {
  startDevServer,
  startPubSubEmulator,
  tempDir,
  workflowBundle,
  type DevServer,
  type PubSubEmulator,
} from '../helpers/servers';

const taskQueue = 'bridge-alerts';
const phase2Topic = 'nba-phase2-raw-complete';

let temporal: DevServer;
let emulator: PubSubEmulator;
let receiver: Receiver;
let client: Client;
let workerConnection: NativeConnection;
let worker: Worker;
let workerRun: Promise<void>;
let bridgeAlertOptions: BridgeAlertOptions;
let alerts: BridgeAlerts;
let bridge: Pulling;
const verdicts: Verdict[] = [];
const counted: { kind: string; path: AlertPath; outcome: AlertOutcome }[] = [];
const logLines: { level: number; msg: string; kind?: string }[] = [];

before(async () => {
  const dir = tempDir('bridge-alerts');
  [temporal, emulator, receiver] = await Promise.all([startDevServer(dir), startPubSubEmulator(dir), startReceiver()]);
  const routes: AlertRoutes = {
    slackWebhookUrl: receiver.url('/slack'),
    pagerDuty: { routingKey: 'routing-key-1', eventsUrl: receiver.url('/pagerduty') },
  };
  const connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection });
  workerConnection = await NativeConnection.connect({ address: temporal.address });
  worker = await Worker.create({
    connection: workerConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createAlertActivities(client, routes),
  });
  workerRun = worker.run();

  const log = pino({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line) as never) });
  bridgeAlertOptions = {
    client,
    connection,
    taskQueue,
    routes,
    temporalTarget: temporal.address,
    count: (labels) => counted.push(labels),
    temporalUnreachableAfterMs: 2000,
    probeEveryMs: 200,
    temporalTimeoutMs: 1000,
    directAttempts: 1,
    log,
  };
  alerts = createBridgeAlerts(bridgeAlertOptions);
  const handle = createHandler({
    client,
    taskQueue,
    maxMessageBytes: 64 * 1024,
    deadLetter: alerts.watchDeadLetters(deadLetterPublisher(emulator.pubsub)),
    temporalReached: (reachable, error) => alerts.temporalReached(reachable, error),
    signalTimeoutMs: 2000,
    backoff: { minSeconds: 1, maxSeconds: 1 },
    log,
  });
  const recording: Handle = async (message) => {
    const verdict = await handle(message);
    verdicts.push(verdict);
    return verdict;
  };
  bridge = pullAll(emulator.pubsub, completionTopics, recording, {
    maxOutstanding: 50,
    redelivery: 'ack-deadline',
    recreate: () => ensureTopology(emulator.pubsub),
    onFatal: (error) => assert.fail(error),
    log,
  });
});

after(async () => {
  await bridge.close();
  await alerts.close();
  worker.shutdown();
  await workerRun;
  await workerConnection.close();
  await client.connection.close();
  await receiver.close();
  await emulator.stop();
  await temporal.stop();
});

/** What reached the receiver for one alert kind, on each route. */
function delivered(kind: string): { slack: Received[]; pagerDuty: Received[] } {
  const slack = receiver.received.filter(
    (r) => r.path === '/slack' && JSON.stringify(r.body).includes(`*kind* ${kind}`),
  );
  const pagerDuty = receiver.received.filter(
    (r) => r.path === '/pagerduty' && (r.body.payload as { component?: string }).component === kind,
  );
  return { slack, pagerDuty };
}

const deadLettered = () => verdicts.filter((v) => v.action === 'ack' && v.outcome === 'dead-lettered').length;
const today = () => calendarDateIn(pipeline.watch.alertTimeZone, new Date());

describe("the bridge's own alerts", () => {
  it('six poison messages in a row raise exactly one dead-letter burst alert, and more in its window none', async () => {
    const poison = (n: number) =>
      emulator.pubsub.topic(phase2Topic).publishMessage({ data: Buffer.from(`not json ${n}`) });
    for (let n = 1; n <= 6; n += 1) await poison(n);
    await until(() => delivered('dead-letter-burst').slack.length > 0, 'the burst alert in Slack');

    // Six more within the same five minutes: the same burst, not a second one.
    for (let n = 7; n <= 12; n += 1) await poison(n);
    await until(() => deadLettered() === 12, 'all twelve dead-lettered');
    await alerts.idle();
    // The alert's own workflow has delivered to both routes once it completes.
    await client.workflow.getHandle(`alert-dead-letter-burst-${today()}`).result();

    const { slack, pagerDuty } = delivered('dead-letter-burst');
    assert.equal(slack.length, 1, 'one Slack message');
    assert.equal(pagerDuty.length, 1, 'one page: the burst is critical (its letters are not just late ones)');
    assert.equal(
      slack[0]!.body.text,
      `[CRITICAL] dead-letter-burst: 6 dead letters within 5 min (invalid 6) (game date ${today()})`,
    );
    assert.match(JSON.stringify(slack[0]!.body.blocks), /\*reasons\* \{\\"invalid\\":6\}/);
    assert.equal(pagerDuty[0]!.body.dedup_key, `alert-dead-letter-burst-${today()}`);
    assert.deepEqual(
      counted.filter((c) => c.kind === 'dead-letter-burst'),
      [{ kind: 'dead-letter-burst', path: 'temporal', outcome: 'raised' }],
    );
  });

  it('Temporal unreachable past the threshold pages once, straight to the routes (a burst meanwhile too), and its return is logged', async () => {
    await temporal.stop();
    await until(() => delivered('temporal-unreachable').pagerDuty.length > 0, 'the outage paged', 30_000);

    // A burst meanwhile (seen by a bridge whose clock is two days on: another date, so another
    // alert) cannot start its alert workflow: the bridge delivers it itself, once.
    const later = createBridgeAlerts({ ...bridgeAlertOptions, now: () => Date.now() + 2 * 86_400_000 });
    const deadLetter = later.watchDeadLetters(deadLetterPublisher(emulator.pubsub));
    const message = { topic: phase2Topic, id: '', data: Buffer.from('{}'), attributes: {} };
    for (let n = 1; n <= 12; n += 1)
      await deadLetter({ message: { ...message, id: `late-${n}` }, reason: 'late: closed' });
    await later.idle();
    await later.close();
    const laterDate = calendarDateIn(pipeline.watch.alertTimeZone, new Date(Date.now() + 2 * 86_400_000));
    const burst = delivered('dead-letter-burst').slack.filter((r) => String(r.body.text).includes(laterDate));
    assert.deepEqual(
      burst.map((r) => r.body.text),
      [`[WARNING] dead-letter-burst: 6 dead letters within 5 min (late 6) (game date ${laterDate})`],
      'one warning: only late letters',
    );
    assert.equal(
      delivered('dead-letter-burst-late').slack.length,
      1,
      'a kind of its own: it holds back no critical burst',
    );

    await temporal.start();
    await until(
      () => logLines.some((l) => l.msg === 'Temporal reachable again: recovered' && l.level === 30),
      'the recovered log line',
      60_000,
    );
    await alerts.idle();

    const { slack, pagerDuty } = delivered('temporal-unreachable');
    assert.equal(slack.length, 1, 'one Slack message for the whole outage');
    assert.equal(pagerDuty.length, 1, 'one page for the whole outage');
    assert.match(
      String(slack[0]!.body.text),
      new RegExp(
        `^\\[CRITICAL\\] temporal-unreachable: the bridge has not reached Temporal at ${temporal.address} for \\d+ s; completions wait in Pub/Sub \\(game date ${today()}\\)$`,
      ),
    );
    assert.deepEqual(
      counted.filter((c) => c.kind === 'temporal-unreachable'),
      [{ kind: 'temporal-unreachable', path: 'direct', outcome: 'raised' }],
    );
    assert.deepEqual(
      counted.filter((c) => c.kind.startsWith('dead-letter-burst')),
      [
        { kind: 'dead-letter-burst', path: 'temporal', outcome: 'raised' },
        { kind: 'dead-letter-burst-late', path: 'direct', outcome: 'raised' },
      ],
    );

    // A second outage the same day is a new one: it pages again.
    await temporal.stop();
    await until(() => delivered('temporal-unreachable').pagerDuty.length === 2, 'the second outage paged', 30_000);
    await temporal.start();
  });
});
