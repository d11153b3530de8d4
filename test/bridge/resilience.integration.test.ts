// The bridge under bad input and faults, on the real servers: the Temporal dev server (no worker:
// a signal the server accepted is the bridge's success) and the Pub/Sub emulator, restarted here
// on its port the way a crashed server comes back — with no topics and no subscriptions.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { emulatorAuth } from '../../src/platform/clients';
import { deadLetterAttributes } from '../../src/messages/dead-letter';
import { deadLetterPublisher } from '../../src/bridge/dead-letter';
import {
  createHandler,
  type DeadLetter,
  type Handle,
  type HandlerOptions,
  type IncomingMessage,
  type Verdict,
} from '../../src/bridge/handler';
import { deadLetterPolicyAttempts, pubsubLimits } from '../../src/messages/limits';
import { pullAll, type PullOptions } from '../../src/bridge/pull';
import { deadLetterReviewSubscription, subscriptionFor } from '../../src/pipeline/ids';
import { checkTopology, ensureTopology, type TopologyOptions } from '../../src/platform/infra/topology';
import { bridgeNeeds } from '../../src/platform/infra/iam';
import { addDays } from '../../src/time';
import { pipeline } from '../../src/pipeline/definition';
import { workflowIdFor } from '../../src/pipeline/ids';
import { pubsubEmulatorSpec } from '../../dev/stack/local';
import { startService, type RunningService } from '../../dev/stack/services';
import { until } from '../helpers/eventually';
import { processorNames } from '../helpers/messages';
import { freePort, startDevServer, tempDir, type DevServer } from '../helpers/servers';

const log = pino({ level: 'silent' });
const taskQueue = 'bridge-resilience';
const CAP = 3;
const topology: TopologyOptions = { maxDeliveries: CAP, minBackoffSeconds: 1, maxBackoffSeconds: 1 };
const topics = {
  phase2: 'nba-phase2-raw-complete',
  phase3: 'nba-phase3-analytics-complete',
  phase4: 'nba-phase4-processor-complete',
  phase5: 'nba-phase5-predictions-complete',
};

let dir: string;
let temporal: DevServer;
let pubsubPort: number;
let pubsubServer: RunningService;
let pubsub: PubSub;
let client: Client;
/** A client for a namespace the server does not have: every signal fails, the same way, forever. */
let misconfigured: Client;
let review: Subscription;
const deadLetters: { data: string; attributes: Record<string, string> }[] = [];
/** The source message id of every dead letter the bridge published, one entry per letter. */
const deadLettersPublished: string[] = [];

const startPubSubServer = () => startService(pubsubEmulatorSpec('127.0.0.1', pubsubPort), dir);

function listenToReview(): void {
  review = pubsub.subscription(deadLetterReviewSubscription);
  review.on('message', (m: Message) => {
    m.ack();
    deadLetters.push({ data: m.data.toString('utf8'), attributes: m.attributes });
  });
  review.on('error', () => undefined); // the restart test takes the server away under it
}

before(async () => {
  dir = tempDir('bridge-resilience');
  pubsubPort = await freePort();
  [temporal, pubsubServer] = await Promise.all([startDevServer(dir), startPubSubServer()]);
  pubsub = new PubSub({
    projectId: 'nba-props-platform',
    apiEndpoint: `127.0.0.1:${pubsubPort}`,
    emulatorMode: true,
    auth: emulatorAuth(),
  });
  // A subscription as an earlier release created it: no retry policy, no dead-letter policy.
  await pubsub.createTopic(topics.phase5);
  await pubsub.topic(topics.phase5).createSubscription(subscriptionFor(topics.phase5));
  await ensureTopology(pubsub, topology);
  listenToReview();
  const connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection });
  misconfigured = new Client({ connection, namespace: 'no-such-namespace' });
});

after(async () => {
  await review.close();
  await client.connection.close();
  await pubsub.close();
  await pubsubServer.stop();
  await temporal.stop();
});

/** A dead-letter route that keeps only the reasons, for tests that check what was refused and why. */
function recordReasonIn(reasons: string[]): HandlerOptions['deadLetter'] {
  return ({ reason }) => {
    reasons.push(reason);
    return Promise.resolve();
  };
}

/** `route`, recording each dead letter once the topic has it. */
function counted(route: DeadLetter): DeadLetter {
  return async (rejected) => {
    await route(rejected);
    deadLettersPublished.push(rejected.message.id);
  };
}

function handler(overrides: Partial<HandlerOptions> = {}): Handle {
  return createHandler({
    client,
    taskQueue,
    maxMessageBytes: 64 * 1024,
    deadLetter: counted(deadLetterPublisher(pubsub)),
    signalTimeoutMs: 3000,
    maxDeliveries: CAP,
    backoff: { minSeconds: 1, maxSeconds: 1 },
    log,
    ...overrides,
  });
}

interface Decided {
  message: IncomingMessage;
  verdict: Verdict;
}

/** Wraps `handle` to record every verdict. */
function recording(handle: Handle): { handle: Handle; decided: Decided[] } {
  const decided: Decided[] = [];
  return {
    decided,
    handle: async (message) => {
      const verdict = await handle(message);
      decided.push({ message, verdict });
      return verdict;
    },
  };
}

/** Streaming pull on `on` with `handle`, as the bridge process runs it on the emulator; closed after the test. */
function bridge(t: TestContext, on: string[], handle: Handle, overrides: Partial<PullOptions> = {}) {
  const fatal: Error[] = [];
  const pulling = pullAll(pubsub, on, handle, {
    maxOutstanding: 10,
    redelivery: 'ack-deadline',
    readyTopology: () => ensureTopology(pubsub, topology),
    onFatal: (error) => fatal.push(error),
    resubscribeBackoffMs: 200,
    log,
    ...overrides,
  });
  t.after(() => pulling.close());
  return { fatal };
}

function completion(processor: string, gameDate: string, extra: Record<string, unknown> = {}) {
  return {
    processor_name: processor,
    execution_id: `${processor}-${gameDate}`,
    game_date: gameDate,
    status: 'success',
    ...extra,
  };
}

const publish = (topic: string, body: unknown, attributes: Record<string, string> = {}) =>
  pubsub.topic(topic).publishMessage({ data: Buffer.from(JSON.stringify(body)), attributes });

const lettersMentioning = (marker: string) => deadLetters.filter((l) => l.data.includes(marker));
const reasonOf = (letter: { attributes: Record<string, string> }) =>
  letter.attributes[deadLetterAttributes.reason] ?? '';
const signalled = (decided: Decided[], marker: string) =>
  decided.some(
    (d) =>
      d.verdict.action === 'ack' && d.verdict.outcome === 'signalled' && d.message.data.toString().includes(marker),
  );
const lettersFrom = (messageId: string) =>
  deadLetters.filter((l) => l.attributes[deadLetterAttributes.sourceMessageId] === messageId);

/**
 * Waits until the bridge is done with the messages `ids`: it acked each, so no delivery of them is
 * to come, and the review subscription has every dead letter the bridge published for them. A
 * second dead letter for a message is a second publish, counted here, so it is awaited too.
 */
async function settled(decided: Decided[], ids: string[]): Promise<void> {
  const acked = (id: string) => decided.some((d) => d.message.id === id && d.verdict.action === 'ack');
  await until(() => ids.every(acked), 'the bridge acking every message');
  const allReviewed = (id: string) =>
    lettersFrom(id).length >= deadLettersPublished.filter((published) => published === id).length;
  await until(() => ids.every(allReviewed), 'every dead letter on the review subscription');
}

describe('the topology', () => {
  it('gives the bridge subscriptions a retry policy, a dead-letter policy above the cap and no expiration', async () => {
    // phase 5's subscription existed before ensureTopology: it was brought to the same configuration.
    for (const topic of [topics.phase2, topics.phase5]) {
      const [metadata] = await pubsub.subscription(subscriptionFor(topic)).getMetadata();
      assert.equal(Number(metadata.retryPolicy?.minimumBackoff?.seconds), 1, topic);
      assert.equal(Number(metadata.retryPolicy?.maximumBackoff?.seconds), 1, topic);
      assert.equal(metadata.deadLetterPolicy?.deadLetterTopic, pubsub.topic(pipeline.topics.deadLetter).name, topic);
      assert.equal(metadata.deadLetterPolicy?.maxDeliveryAttempts, deadLetterPolicyAttempts(CAP), topic);
      assert.ok(metadata.deadLetterPolicy.maxDeliveryAttempts > CAP);
      assert.ok(metadata.expirationPolicy, `${topic}: has an expiration policy`);
      assert.equal(metadata.expirationPolicy.ttl ?? null, null, `${topic}: without a ttl, so it never expires`);
    }
  });

  it('keeps dead letters on a review subscription for a week, never expiring', async () => {
    const [metadata] = await pubsub.subscription(deadLetterReviewSubscription).getMetadata();
    assert.equal(metadata.topic, pubsub.topic(pipeline.topics.deadLetter).name);
    assert.equal(Number(metadata.messageRetentionDuration?.seconds), 7 * 24 * 3600);
    assert.equal(metadata.expirationPolicy?.ttl ?? null, null);
  });
});

describe('bad input is dead-lettered once, with its reason, and good messages flow', () => {
  it('dead-letters a 3 KiB correlation_id without asking Temporal, and does not loop', async (t) => {
    const { handle, decided } = recording(handler());
    bridge(t, [topics.phase2], handle);
    const poison = completion('BdlGamesProcessor', '2025-10-01', { correlation_id: `long-corr-${'x'.repeat(3072)}` });
    const poisonId = await publish(topics.phase2, poison);
    const goodId = await publish(
      topics.phase2,
      completion('BdlGamesProcessor', '2025-10-02', { correlation_id: 'good-after-poison' }),
    );

    await settled(decided, [poisonId, goodId]);
    assert.ok(signalled(decided, 'good-after-poison'), 'the good message signalled');
    const [letter, ...more] = lettersMentioning('long-corr-');
    assert.equal(more.length, 0, 'one dead letter');
    assert.match(
      reasonOf(letter!),
      /^oversized: correlation_id is 3\d{3} bytes; the cap is 256 \(it becomes the CorrelationId search attribute/,
    );
    assert.equal(letter!.data, JSON.stringify(poison), 'the original bytes');
    assert.equal(letter!.attributes[deadLetterAttributes.sourceTopic], topics.phase2);
    assert.equal(letter!.attributes[deadLetterAttributes.sourceMessageId], poisonId);
    assert.equal(
      decided.filter((d) => d.message.id === poisonId).length,
      1,
      'delivered once: acked with its dead letter',
    );
  });

  it('dead-letters 120 attributes, and the dead letter itself fits Pub/Sub (trimmed, and says so)', async (t) => {
    bridge(t, [topics.phase2], handler());
    const many = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`attr_${i}`, `value ${i}`]));
    await publish(topics.phase2, completion('BdlGamesProcessor', '2025-10-03', { note: 'many-attributes' }), many);
    const huge = { ['k'.repeat(300)]: 'long key', big_value: 'v'.repeat(2000), goog_reserved: 'x' };
    await publish(topics.phase2, completion('BdlGamesProcessor', '2025-10-03', { note: 'huge-attributes' }), huge);

    await until(
      () => lettersMentioning('many-attributes').length + lettersMentioning('huge-attributes').length === 2,
      'both dead letters',
    );
    const [many120] = lettersMentioning('many-attributes');
    const [hugeOne] = lettersMentioning('huge-attributes');
    assert.match(reasonOf(many120!), /^oversized: 120 attributes; Pub\/Sub allows 100/);
    // The first attribute over a limit by name: big_value, before the 300-byte key.
    assert.match(reasonOf(hugeOne!), /^oversized: attribute "big_value" is 2000 bytes; Pub\/Sub allows 1024/);
    for (const letter of [many120!, hugeOne!]) {
      const entries = Object.entries(letter.attributes);
      assert.ok(entries.length <= pubsubLimits.attributesPerMessage, `${entries.length} attributes`);
      for (const [key, value] of entries) {
        assert.ok(Buffer.byteLength(key) <= pubsubLimits.attributeKeyBytes, key);
        assert.ok(Buffer.byteLength(value) <= pubsubLimits.attributeValueBytes, key);
        assert.ok(!key.startsWith('goog'), key);
      }
      assert.match(letter.attributes[deadLetterAttributes.attributesTrimmed] ?? '', /original attributes: \d+ dropped/);
    }
    const kept = Object.entries(many120!.attributes).filter(([key]) => key.startsWith('attr_'));
    assert.ok(kept.length >= 90, `as many original attributes as fit are kept (${kept.length})`);
    assert.ok(kept.every(([key, value]) => value === `value ${key.slice('attr_'.length)}`));
  });

  it('dead-letters a game_date more than 30 days ahead as future, and signals one within 30 days', async (t) => {
    const { handle, decided } = recording(handler());
    bridge(t, [topics.phase2], handle);
    const today = new Date().toISOString().slice(0, 10);
    await publish(topics.phase2, completion('BdlGamesProcessor', '9999-12-31', { correlation_id: 'far-future' }));
    await publish(topics.phase2, completion('BdlGamesProcessor', addDays(today, 40), { correlation_id: 'forty-days' }));
    await publish(topics.phase2, completion('BdlGamesProcessor', addDays(today, 7), { correlation_id: 'next-week' }));

    await until(
      () => lettersMentioning('far-future').length + lettersMentioning('forty-days').length === 2,
      'two future dead letters',
    );
    assert.match(
      reasonOf(lettersMentioning('far-future')[0]!),
      /^future: game_date 9999-12-31 is more than 30 days after today/,
    );
    assert.match(reasonOf(lettersMentioning('forty-days')[0]!), /^future: /);
    await until(() => signalled(decided, 'next-week'), 'next week signalled');
  });

  it("counts the days ahead from the handler's today: 30 days is accepted, 31 is future", async () => {
    const letters: string[] = [];
    const handle = handler({
      now: () => new Date('2026-01-01T23:59:00Z'),
      deadLetter: recordReasonIn(letters),
    });
    const message = (gameDate: string): IncomingMessage => ({
      topic: topics.phase2,
      id: `ahead-${gameDate}`,
      data: Buffer.from(JSON.stringify(completion('BdlGamesProcessor', gameDate))),
      attributes: {},
    });
    assert.deepEqual(await handle(message('2026-01-31')), {
      action: 'ack',
      outcome: 'signalled',
      workflowId: workflowIdFor('2026-01-31'),
    });
    assert.equal((await handle(message('2026-02-01'))).action, 'ack');
    assert.deepEqual(letters, ['future: game_date 2026-02-01 is more than 30 days after today (2026-01-01 UTC)']);
  });

  it('dead-letters as rejected what Temporal itself refuses (INVALID_ARGUMENT), at the first delivery', async () => {
    const letters: string[] = [];
    const handle = handler({
      // Our own cap lifted: Temporal's 2 KiB search-attribute limit refuses the signal-with-start.
      fieldCaps: {},
      deadLetter: recordReasonIn(letters),
    });
    const data = Buffer.from(
      JSON.stringify(completion('BdlGamesProcessor', '2025-10-04', { correlation_id: 'y'.repeat(3072) })),
    );
    const verdict = await handle({ topic: topics.phase2, id: 'refused-1', data, attributes: {}, deliveryAttempt: 1 });
    assert.equal(verdict.action, 'ack');
    assert.equal(letters.length, 1);
    assert.match(letters[0]!, /^rejected: Temporal refused the signal: INVALID_ARGUMENT: /);
  });
});

describe('failures that might pass later are retried, within bounds', () => {
  it('dead-letters a message that fails every delivery as exhausted after the cap', async (t) => {
    const { handle, decided } = recording(handler({ client: misconfigured }));
    bridge(t, [topics.phase3], handle);
    const id = await publish(
      topics.phase3,
      completion(processorNames('phase3')[0]!, '2025-10-05', { note: 'always-fails' }),
    );

    await settled(decided, [id]);
    const letters = lettersMentioning('always-fails');
    assert.equal(letters.length, 1);
    assert.match(
      reasonOf(letters[0]!),
      new RegExp(
        `^exhausted: ${CAP} deliveries; last error: Temporal did not accept the signal: namespace not found: no-such-namespace`,
      ),
    );
    const tries = decided.filter((d) => d.message.id === id);
    assert.deepEqual(
      tries.map((d) => [d.message.deliveryAttempt, d.verdict.action]),
      [
        [1, 'nack'],
        [2, 'nack'],
        [3, 'ack'],
      ],
      'nacked, redelivered, then dead-lettered at the cap',
    );
  });

  it('counts failures per message itself where Pub/Sub does not count deliveries (no dead-letter policy)', async () => {
    const letters: string[] = [];
    const handle = handler({ client: misconfigured, deadLetter: recordReasonIn(letters) });
    const data = Buffer.from(JSON.stringify(completion('BdlGamesProcessor', '2025-10-06')));
    const deliver = () => handle({ topic: topics.phase2, id: 'uncounted-1', data, attributes: {} });
    const verdicts = [await deliver(), await deliver(), await deliver()];
    assert.deepEqual(
      verdicts.map((v) => (v.action === 'nack' ? `nack ${v.retryAfterSeconds}s` : v.action)),
      ['nack 1s', 'nack 1s', 'ack'],
    );
    assert.match(letters[0] ?? '', /^exhausted: 3 deliveries; last error: /);
    // Another message id starts from zero.
    assert.equal((await handle({ topic: topics.phase2, id: 'uncounted-2', data, attributes: {} })).action, 'nack');
  });

  it('lets good messages through while poison waits to be retried (2 slots of flow control, 5 poison messages)', async (t) => {
    const good = handler();
    // A minute's backoff: a poison message that kept its slot while waiting would block everything for that long.
    const poison = handler({ client: misconfigured, maxDeliveries: 50, backoff: { minSeconds: 60, maxSeconds: 60 } });
    const { handle, decided } = recording((m) => (m.data.toString().includes('"poison"') ? poison(m) : good(m)));
    bridge(t, [topics.phase4], handle, { maxOutstanding: 2 });
    const processor = processorNames('phase4')[0]!;
    for (let i = 0; i < 5; i += 1)
      await publish(topics.phase4, completion(processor, `2025-10-1${i}`, { note: 'poison' }));
    await until(() => decided.filter((d) => d.verdict.action === 'nack').length >= 5, 'every poison message failing');

    for (let i = 0; i < 10; i += 1)
      await publish(topics.phase4, completion(processor, '2025-10-20', { correlation_id: `good-${i}-` }));
    const allGood = () =>
      Array.from({ length: 10 }, (_, i) => `good-${i}-`).every((marker) => signalled(decided, marker));
    await until(allGood, 'all good messages', 20_000);
    const poisonOutcomes = decided
      .filter((d) => d.message.data.toString().includes('"poison"'))
      .map((d) => d.verdict.action);
    assert.ok(
      poisonOutcomes.every((action) => action === 'nack'),
      'the poison is still being retried, not dropped',
    );
  });
});

describe('the bridge never stays up deaf', () => {
  it('gives up (so its supervisor restarts it) when it cannot re-create a lost subscription', async (t) => {
    const { fatal } = bridge(t, [topics.phase5], handler(), {
      readyTopology: () => Promise.reject(new Error('PERMISSION_DENIED: pubsub.subscriptions.create')),
      checkEveryMs: 200,
      giveUpAfterMs: 1500,
    });
    await pubsub.subscription(subscriptionFor(topics.phase5)).delete();
    await until(() => fatal.length > 0, 'onFatal', 20_000);
    assert.match(
      fatal[0]!.message,
      /could not resubscribe to nba-phase5-predictions-complete for 1500 ms: PERMISSION_DENIED/,
    );
    assert.equal(fatal.length, 1);
    await ensureTopology(pubsub, topology);
  });

  it('exits at once when a subscription it needs is gone: only pipeline init brings it back', async (t) => {
    const { fatal } = bridge(t, [topics.phase5], handler(), {
      readyTopology: () => checkTopology(pubsub, bridgeNeeds(true)), // what the deployed bridge does
      checkEveryMs: 200,
      giveUpAfterMs: 10 * 60_000, // retrying would not help: it must not wait this long
    });
    await pubsub.subscription(subscriptionFor(topics.phase5)).delete();
    await until(() => fatal.length > 0, 'onFatal', 20_000);
    assert.match(fatal[0]!.message, /could not resubscribe to nba-phase5-predictions-complete/);
    assert.match(fatal[0]!.message, /does not exist \(pipeline init creates it\)/);
    assert.equal(fatal.length, 1);
    await ensureTopology(pubsub, topology);
  });

  it('re-creates its topics and subscriptions after the Pub/Sub server restarted empty, and signals what comes next', async (t) => {
    const { handle, decided } = recording(handler());
    const { fatal } = bridge(t, [topics.phase2, topics.phase3], handle);
    await publish(topics.phase2, completion('BdlGamesProcessor', '2025-10-21', { correlation_id: 'before-restart' }));
    await until(() => signalled(decided, 'before-restart'), 'a message before the restart');

    await pubsubServer.stop();
    pubsubServer = await startPubSubServer(); // same port, nothing on it
    const subscriptionsBack = async () =>
      (
        await Promise.all(
          [...Object.values(topics).map(subscriptionFor), deadLetterReviewSubscription].map(
            async (name) => (await pubsub.subscription(name).exists())[0],
          ),
        )
      ).every(Boolean);
    await until(subscriptionsBack, 'the bridge re-creating the topology', 30_000);
    listenToReview();

    await publish(topics.phase2, completion('BdlGamesProcessor', '2025-10-22', { correlation_id: 'after-restart-2' }));
    await publish(
      topics.phase3,
      completion(processorNames('phase3')[0]!, '2025-10-22', { correlation_id: 'after-restart-3' }),
    );
    await until(
      () => signalled(decided, 'after-restart-2') && signalled(decided, 'after-restart-3'),
      'messages after the restart',
      30_000,
    );
    const history = await client.workflow.getHandle(workflowIdFor('2025-10-22')).fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
    assert.equal(signals.length, 2, 'both completions reached the run');
    // Dead letters are kept again too.
    await publish(topics.phase2, { note: 'after-restart-invalid' });
    await until(() => lettersMentioning('after-restart-invalid').length > 0, 'a dead letter after the restart');
    assert.equal(fatal.length, 0);
  });
});
