// `pipeline dead-letters` against the real Pub/Sub emulator: it lists what is on the review
// subscription without consuming it, and `replay` re-publishes chosen letters to their topics.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Message, Subscription } from '@google-cloud/pubsub';
import { deadLetterPublisher } from '../../src/bridge/dead-letter';
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
