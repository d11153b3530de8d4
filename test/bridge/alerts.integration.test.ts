// The bridge's own alerts on the real servers: the Pub/Sub emulator, the Temporal dev server (with
// a worker running the alert and burst-counting workflows) and a webhook receiver on loopback for
// Slack and PagerDuty. A burst of poison messages pages once, counted across replicas, and resolves
// once quiet; Temporal stopped, or refusing the bridge's namespace, for longer than the threshold
// (2 s here instead of a minute) pages once, straight to the routes, and resolves when it answers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import pino from 'pino';
import { createAlertActivities } from '../../src/alerts/activities';
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
import { ensureTopology } from '../../src/platform/infra/topology';
import { completionTopics, pipeline } from '../../src/pipeline/definition';
import { calendarDateIn } from '../../src/time';
import { until } from '../helpers/eventually';
import { processorNames } from '../helpers/messages';
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
/** A burst ends after this long without a dead letter: seconds here, minutes in production. */
const burstRule = { moreThan: 5, within: 8000 };
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
    deadLetterBurst: burstRule,
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
    readyTopology: () => ensureTopology(emulator.pubsub),
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

/** What reached the receiver for one alert kind, on each route (PagerDuty: triggers and resolves apart). */
function delivered(
  kind: string,
  about: (received: Received) => boolean = () => true,
): { slack: Received[]; pagerDuty: Received[]; resolved: Received[] } {
  const slack = receiver.received.filter(
    (r) => r.path === '/slack' && JSON.stringify(r.body).includes(`*kind* ${kind}`) && about(r),
  );
  const events = receiver.received.filter(
    (r) => r.path === '/pagerduty' && (r.body.payload as { component?: string }).component === kind && about(r),
  );
  return {
    slack,
    pagerDuty: events.filter((r) => r.body.event_action === 'trigger'),
    resolved: events.filter((r) => r.body.event_action === 'resolve'),
  };
}

const notAbout = (text: string) => (r: Received) => !JSON.stringify(r.body).includes(text);

const deadLettered = () => verdicts.filter((v) => v.action === 'ack' && v.outcome === 'dead-lettered').length;
const today = () => calendarDateIn(pipeline.watch.alertTimeZone, new Date());

describe("the bridge's own alerts", () => {
  it('six poison messages raise one burst alert, more in the burst none, its end resolves it, and a later burst pages anew', async () => {
    const poison = (n: number) =>
      emulator.pubsub.topic(phase2Topic).publishMessage({ data: Buffer.from(`not json ${n}`) });
    for (let n = 1; n <= 6; n += 1) await poison(n);
    await until(() => delivered('dead-letter-burst').slack.length > 0, 'the burst alert in Slack');

    // Six more while it goes on: the same burst, not a second one.
    for (let n = 7; n <= 12; n += 1) await poison(n);
    await until(() => deadLettered() === 12, 'all twelve dead-lettered');
    await alerts.idle();
    await until(() => delivered('dead-letter-burst').resolved.length === 1, 'the burst resolved once quiet', 60_000);

    const { slack, pagerDuty, resolved } = delivered('dead-letter-burst');
    assert.equal(slack.length, 1, 'one Slack message');
    assert.equal(pagerDuty.length, 1, 'one page: the burst is critical (its letters are not just late ones)');
    assert.equal(
      slack[0]!.body.text,
      `[CRITICAL] dead-letter-burst: 6 dead letters within ${burstRule.within / 60_000} min (invalid 6) (game date ${today()})`,
    );
    assert.match(JSON.stringify(slack[0]!.body.blocks), /\*reasons\* \{\\"invalid\\":6\}/);
    const dedupKey = String(pagerDuty[0]!.body.dedup_key);
    assert.match(dedupKey, new RegExp(`^alert-dead-letter-burst-${today()}-T\\d{6}Z$`), 'its own id: date and episode');
    assert.equal(resolved[0]!.body.dedup_key, dedupKey, 'the resolve closes that incident');

    // A burst after the last one ended is a new alert, the same day.
    for (let n = 13; n <= 18; n += 1) await poison(n);
    await until(() => delivered('dead-letter-burst').pagerDuty.length === 2, 'the second burst paged');
    assert.notEqual(delivered('dead-letter-burst').pagerDuty[1]!.body.dedup_key, dedupKey);
    await until(() => delivered('dead-letter-burst').resolved.length === 2, 'the second burst resolved', 60_000);
  });

  it('counts a burst across replicas: three bridges that see two dead letters each page once', async () => {
    const replicas = [1, 2, 3].map(() => createBridgeAlerts(bridgeAlertOptions));
    const publish = deadLetterPublisher(emulator.pubsub);
    const message = { topic: phase2Topic, id: '', data: Buffer.from('{}'), attributes: {} };
    const before = delivered('dead-letter-burst').pagerDuty.length;
    for (const [i, replica] of replicas.entries()) {
      const deadLetter = replica.watchDeadLetters(publish);
      for (const n of [1, 2]) await deadLetter({ message: { ...message, id: `r${i}-${n}` }, reason: 'invalid: test' });
    }
    await Promise.all(replicas.map((r) => r.idle()));
    await until(() => delivered('dead-letter-burst').pagerDuty.length === before + 1, 'one page for the six');
    await until(() => delivered('dead-letter-burst').resolved.length === before + 1, 'resolved once quiet', 60_000);
    const page = delivered('dead-letter-burst').pagerDuty[before]!;
    assert.match(String((page.body.payload as { summary: string }).summary), /^dead-letter-burst: 6 dead letters/);
    await Promise.all(replicas.map((r) => r.close()));
  });

  it('a namespace Temporal does not know is an outage: /readyz says so and it pages, though the server answers', async () => {
    const wrongNamespace = 'no-such-namespace';
    const wrongClient = new Client({ connection: client.connection, namespace: wrongNamespace });
    const misconfigured = createBridgeAlerts({
      ...bridgeAlertOptions,
      client: wrongClient,
      count: () => undefined,
      temporalTarget: `${temporal.address} (namespace ${wrongNamespace})`,
    });
    const handle = createHandler({
      client: wrongClient,
      taskQueue,
      maxMessageBytes: 64 * 1024,
      deadLetter: misconfigured.watchDeadLetters(deadLetterPublisher(emulator.pubsub)),
      temporalReached: (reachable, error) => misconfigured.temporalReached(reachable, error),
      log: pino({ level: 'silent' }),
    });
    const processor = processorNames('phase2')[0]!;
    const completion = JSON.stringify({ processor_name: processor, game_date: today(), status: 'success' });
    const verdict = await handle({ topic: phase2Topic, id: 'ns-1', data: Buffer.from(completion), attributes: {} });
    assert.equal(
      verdict.action,
      'nack',
      `kept for when the namespace is fixed, not dead-lettered: ${JSON.stringify(verdict)}`,
    );
    assert.equal(misconfigured.temporalReachable(), false, '/readyz reports the signal that failed');

    const about = (r: Received) => JSON.stringify(r.body).includes(wrongNamespace);
    await until(
      () => delivered('temporal-unreachable', about).pagerDuty.length === 1,
      'the misconfiguration paged',
      30_000,
    );
    const [slack] = delivered('temporal-unreachable', about).slack;
    assert.match(String(slack?.body.text), /namespace not found: no-such-namespace|NOT_FOUND/);
    assert.equal(misconfigured.temporalReachable(), false, 'the probe asks about the namespace, so it stays down');
    await misconfigured.close();
  });

  it('Temporal unreachable past the threshold pages once, straight to the routes (a burst meanwhile too), and resolves when it is back', async () => {
    const laterDate = calendarDateIn(pipeline.watch.alertTimeZone, new Date(Date.now() + 2 * 86_400_000));
    // This bridge's outage alerts (the one two days on, below, sees the outage too, as its own).
    const ours = (r: Received) => notAbout('no-such-namespace')(r) && notAbout(laterDate)(r);
    await temporal.stop();
    await until(() => delivered('temporal-unreachable', ours).pagerDuty.length > 0, 'the outage paged', 30_000);
    assert.equal(alerts.temporalReachable(), false);

    // A burst meanwhile (seen by a bridge whose clock is two days on: another date) cannot be counted
    // in Temporal: the bridge counts it itself and delivers it, once.
    const later = createBridgeAlerts({ ...bridgeAlertOptions, now: () => Date.now() + 2 * 86_400_000 });
    const deadLetter = later.watchDeadLetters(deadLetterPublisher(emulator.pubsub));
    const message = { topic: phase2Topic, id: '', data: Buffer.from('{}'), attributes: {} };
    for (let n = 1; n <= 12; n += 1)
      await deadLetter({ message: { ...message, id: `late-${n}` }, reason: 'late: closed' });
    await later.idle();
    await later.close();
    const burst = delivered('dead-letter-burst-late').slack.filter((r) => String(r.body.text).includes(laterDate));
    assert.deepEqual(
      burst.map((r) => r.body.text),
      [
        `[WARNING] dead-letter-burst: 6 dead letters within ${burstRule.within / 60_000} min (late 6) (game date ${laterDate})`,
      ],
      'one warning, a kind of its own: only late letters',
    );

    await temporal.start();
    await until(
      () => logLines.some((l) => l.msg === 'Temporal reachable again: recovered' && l.level === 30),
      'the recovered log line',
      60_000,
    );
    await until(() => delivered('temporal-unreachable', ours).resolved.length === 1, 'the outage resolved', 30_000);
    await alerts.idle();
    assert.equal(alerts.temporalReachable(), true);

    const { slack, pagerDuty, resolved } = delivered('temporal-unreachable', ours);
    assert.equal(slack.length, 1, 'one Slack message for the whole outage');
    assert.equal(pagerDuty.length, 1, 'one page for the whole outage');
    assert.equal(resolved[0]!.body.dedup_key, pagerDuty[0]!.body.dedup_key);
    assert.match(
      String(slack[0]!.body.text),
      new RegExp(
        `^\\[CRITICAL\\] temporal-unreachable: the bridge has not reached Temporal at ${temporal.address} for \\d+ s \\(.+\\); completions wait in Pub/Sub \\(game date ${today()}\\)$`,
      ),
    );
    // Counted by this bridge, and by the one two days on when its probe saw the outage before it closed.
    const outage = counted.filter((c) => c.kind === 'temporal-unreachable');
    assert.ok(outage.every((c) => c.path === 'direct'));
    const raised = outage.filter((c) => c.outcome === 'raised').length;
    assert.ok(raised >= 1 && raised <= 2, `raised ${raised} times`);
    assert.equal(outage.filter((c) => c.outcome === 'resolved').length, 1);

    // A second outage the same day is a new one: it pages again.
    await temporal.stop();
    await until(
      () => delivered('temporal-unreachable', ours).pagerDuty.length === 2,
      'the second outage paged',
      30_000,
    );
    await temporal.start();
  });

  it('an outage while Slack answers 500 still pages, and Slack is tried again without a second page', async () => {
    const ours = notAbout('no-such-namespace');
    const pagesBefore = delivered('temporal-unreachable', ours).pagerDuty.length;
    const slackBefore = delivered('temporal-unreachable', ours).slack.length;
    await until(() => alerts.temporalReachable(), 'Temporal back from the last test', 60_000);
    receiver.down('/slack', 500);
    try {
      await temporal.stop();
      await until(
        () => delivered('temporal-unreachable', ours).pagerDuty.length === pagesBefore + 1,
        'paged though Slack refuses',
        30_000,
      );
      await until(
        () => receiver.refused.filter((r) => r.path === '/slack' && ours(r)).length >= 2,
        'Slack tried again at the next probe',
        30_000,
      );
    } finally {
      receiver.down('/slack');
    }
    await until(
      () => delivered('temporal-unreachable', ours).slack.length === slackBefore + 1,
      'Slack once back',
      30_000,
    );
    assert.equal(delivered('temporal-unreachable', ours).pagerDuty.length, pagesBefore + 1, 'no second page');
    await temporal.start();
    await until(() => alerts.temporalReachable(), 'Temporal back', 60_000);
  });
});
