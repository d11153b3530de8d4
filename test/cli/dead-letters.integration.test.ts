// `pipeline dead-letters` against the real Pub/Sub emulator: it lists what is on the review
// subscription without consuming it, and `replay` re-publishes chosen letters to their topics.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Message, Subscription } from '@google-cloud/pubsub';
import { v1 } from '@google-cloud/pubsub';
import { deadLetterAttributes } from '../../src/messages/dead-letter';
import { deadLetterPublisher } from '../../src/bridge/dead-letter';
import { openDeadLetterReview } from '../../src/watch/dead-letter-review';
import { deadLetterReviewSubscription } from '../../src/pipeline/ids';
import { pipeline } from '../../src/pipeline/definition';
import { eventually } from '../helpers/eventually';
import { startPubSubEmulator, tempDir, type PubSubEmulator } from '../helpers/servers';

const cli = path.resolve(__dirname, '../../bin/pipeline.js');
let emulator: PubSubEmulator;
let replayed: Subscription;
const received: Message[] = [];
/** What arrived on the original topic, once each (a slow ack may bring a message twice). */
const distinct = () => [...new Set(received.map((m) => m.data.toString('utf8')))].sort();

function run(...args: string[]) {
  const env = { ...process.env, PUBSUB_EMULATOR_HOST: emulator.host, LOG_LEVEL: 'warn' };
  return spawnSync(process.execPath, [cli, 'dead-letters', ...args], { encoding: 'utf8', timeout: 60_000, env });
}

interface Listed {
  id: string;
  reason: string;
  source_topic: string | null;
  attributes: Record<string, string>;
  data: string;
}
const list = (...args: string[]): Listed[] => {
  const result = run(...args, '--json');
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Listed[];
};

const rawTopic = 'nba-phase2-raw-complete';

before(async () => {
  emulator = await startPubSubEmulator(tempDir('dead-letters'));
  const deadLetter = deadLetterPublisher(emulator.pubsub);
  const message = (id: string, data: string) => ({
    topic: rawTopic,
    id,
    data: Buffer.from(data),
    attributes: { origin: 'scraper' },
  });
  await deadLetter({
    message: message('m-1', '{"game_date":"2025-11-29"}'),
    reason: 'exhausted: Temporal unavailable',
  });
  await deadLetter({ message: message('m-2', 'not json'), reason: 'invalid: not JSON' });
  await deadLetter({
    message: message('m-3', '{"game_date":"2025-11-30"}'),
    reason: 'exhausted: Temporal unavailable',
  });
  [replayed] = await emulator.pubsub.topic(rawTopic).createSubscription('replay-check');
  replayed.on('message', (m: Message) => {
    m.ack();
    received.push(m);
  });
});

after(async () => {
  await replayed.close();
  await emulator.stop();
});

describe('pipeline dead-letters', () => {
  it('lists every dead letter with its reason and source, and leaves them on the subscription', () => {
    const first = list();
    assert.deepEqual(
      first.map((l) => [l.reason, l.source_topic, l.data]),
      [
        ['exhausted: Temporal unavailable', rawTopic, '{"game_date":"2025-11-29"}'],
        ['invalid: not JSON', rawTopic, 'not json'],
        ['exhausted: Temporal unavailable', rawTopic, '{"game_date":"2025-11-30"}'],
      ],
    );
    assert.deepEqual(first[0]!.attributes, { origin: 'scraper' });
    assert.deepEqual(
      list().map((l) => l.id),
      first.map((l) => l.id),
      'read again: still all there',
    );
    assert.equal(list('--since', '1h').length, 3);
  });

  it('replays by reason prefix to the original topic and takes only those off', async () => {
    const result = run('replay', '--reason-prefix', 'exhausted:', '--json');
    assert.equal(result.status, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { replayed: { id: string; topic: string }[] };
    assert.equal(summary.replayed.length, 2);
    await eventually(
      () => distinct().length,
      (n) => n >= 2,
      'the replayed messages on their topic',
    );
    assert.deepEqual(distinct(), ['{"game_date":"2025-11-29"}', '{"game_date":"2025-11-30"}']);
    assert.equal(received[0]!.attributes.origin, 'scraper');
    assert.ok(!('dead_letter_reason' in received[0]!.attributes));
    assert.deepEqual(
      list().map((l) => l.reason),
      ['invalid: not JSON'],
    );
  });

  it('replays by id, and says which ids it did not find (exit 1)', async () => {
    const [left] = list();
    const result = run('replay', '--id', `${left!.id},no-such-id`, '--json');
    assert.equal(result.status, 1, result.stderr);
    const summary = JSON.parse(result.stdout) as { replayed: { id: string }[]; not_found: string[] };
    assert.deepEqual(
      summary.replayed.map((r) => r.id),
      [left!.id],
    );
    assert.deepEqual(summary.not_found, ['no-such-id']);
    await eventually(
      () => distinct().length,
      (n) => n >= 3,
      'the replayed message',
      60_000,
    );
    assert.ok(distinct().includes('not json'));
    assert.deepEqual(list(), []);
  });

  for (const [args, reason] of [
    [['replay'], /exactly one of --id or --reason-prefix/],
    [['replay', '--id', 'a', '--reason-prefix', 'x'], /exactly one of --id or --reason-prefix/],
    [['--since', 'yesterday'], /expected a duration like 30m, 24h or 7d/],
  ] as const) {
    it(`refuses dead-letters ${args.join(' ')} with exit 2`, () => {
      const result = run(...args);
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, reason);
    });
  }
});

/** A dead letter as anyone could have published it: its source_topic is whatever it says. */
async function publishLetter(data: string, reason: string, sourceTopic: string): Promise<string> {
  return emulator.pubsub.topic(pipeline.topics.deadLetter).publishMessage({
    data: Buffer.from(data),
    attributes: { [deadLetterAttributes.reason]: reason, [deadLetterAttributes.sourceTopic]: sourceTopic },
  });
}

/** What a second reader (the health check) pulls from the review subscription right now. */
async function pullOnce(): Promise<string[]> {
  const { port, ...options } = emulator.pubsub.options;
  const subscriber = new v1.SubscriberClient({ ...options, port: port === undefined ? undefined : Number(port) });
  const subscription = emulator.pubsub.subscription(deadLetterReviewSubscription).name;
  try {
    const [response] = await subscriber.pull({ subscription, maxMessages: 100 }, { timeout: 5000 });
    const received = response.receivedMessages ?? [];
    const ackIds = received.map((m) => m.ackId!);
    if (ackIds.length > 0) await subscriber.modifyAckDeadline({ subscription, ackIds, ackDeadlineSeconds: 0 });
    return received.map((m) => m.message!.messageId!).sort();
  } finally {
    await subscriber.close();
  }
}

describe('pipeline dead-letters: safe replays', () => {
  it('replays only to the topics the pipeline consumes, goes on past a topic that is gone, and prints source topics safely', async () => {
    const foreign = await publishLetter('{"trigger":"forged"}', 'invalid: forged', 'nba-phase5-trigger');
    const escapes = await publishLetter('x', 'invalid: escapes', '\u001b[31mnba-phase2-raw-complete\u001b[0m');
    const goneTopic = 'nba-phase3-analytics-complete';
    await emulator.pubsub.topic(goneTopic).delete();
    const gone = await publishLetter('{"game_date":"2025-12-01"}', 'invalid: to a topic that is gone', goneTopic);
    const fine = await publishLetter('{"game_date":"2025-12-02"}', 'invalid: fine', rawTopic);
    const [forged] = await emulator.pubsub.topic('nba-phase5-trigger').createSubscription('forged-check');
    const forgedArrived: Message[] = [];
    forged.on('message', (m: Message) => forgedArrived.push(m));

    const table = run();
    assert.equal(table.status, 0, table.stderr);
    assert.ok(!table.stdout.includes('\u001b'), 'no raw escape reaches the terminal');
    assert.match(table.stdout, /\\u001b\[31mnba-phase2-raw-complete/);

    const dry = run('replay', '--reason-prefix', 'invalid:', '--dry-run', '--json');
    const planned = JSON.parse(dry.stdout) as { would_replay: { id: string }[]; not_replayable: { id: string }[] };
    assert.deepEqual(planned.would_replay.map((r) => r.id).sort(), [fine, gone].sort());
    assert.deepEqual(planned.not_replayable.map((r) => r.id).sort(), [foreign, escapes].sort());
    assert.equal(list().length, 4, 'a dry run takes nothing off');

    const result = run('replay', '--reason-prefix', 'invalid:', '--json');
    assert.equal(result.status, 1, result.stderr);
    const summary = JSON.parse(result.stdout) as {
      replayed: { id: string }[];
      not_replayable: { id: string; why: string }[];
    };
    assert.deepEqual(
      summary.replayed.map((r) => r.id),
      [fine],
      'the letter after the missing topic still went',
    );
    assert.deepEqual(
      summary.not_replayable.map((r) => [r.id, r.why.split(':')[0]]).sort(),
      [
        [foreign, 'its source_topic is not a topic the pipeline consumes'],
        [escapes, 'its source_topic is not a topic the pipeline consumes'],
        [gone, 'publish failed'],
      ].sort(),
    );
    await eventually(
      () => distinct(),
      (d) => d.includes('{"game_date":"2025-12-02"}'),
      'the replayed letter on its topic',
    );
    assert.deepEqual(
      list()
        .map((l) => l.id)
        .sort(),
      [foreign, escapes, gone].sort(),
      'the rest stay',
    );
    assert.equal(forgedArrived.length, 0, 'nothing was published to nba-phase5-trigger');
    await forged.close();
    await emulator.pubsub.createTopic(goneTopic);
  });

  it('a listing hides no letter from another reader while it reads, and a replay holds only what it replays', async () => {
    const ids = (
      await Promise.all([1, 2, 3].map((n) => publishLetter(`{"n":${n}}`, 'exhausted: test', rawTopic)))
    ).sort();
    const listing = await openDeadLetterReview(emulator.pubsub);
    try {
      const seen = await pullOnce();
      for (const id of ids) assert.ok(seen.includes(id), `${id} readable while a listing is open`);
    } finally {
      await listing.finish();
    }
    const replaying = await openDeadLetterReview(emulator.pubsub, { hold: (l) => l.id === ids[0] });
    try {
      assert.deepEqual(
        replaying.held.map((l) => l.id),
        [ids[0]],
      );
      const seen = await pullOnce();
      assert.ok(!seen.includes(ids[0]!), 'the letter being replayed is held');
      assert.ok(seen.includes(ids[1]!) && seen.includes(ids[2]!), 'the others are not');
    } finally {
      await replaying.finish();
    }
    assert.ok((await pullOnce()).includes(ids[0]!), 'handed back once the replay finished');
  });
});
