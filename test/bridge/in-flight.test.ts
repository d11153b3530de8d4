// The bridge's own flow control on a subscription: a failed message waiting out its backoff keeps
// no slot, is handed back (nacked) only once its backoff has passed, and on close everything not
// being handled is handed back at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '@google-cloud/pubsub';
import { InFlight } from '../../src/bridge/in-flight';

/** Only what InFlight calls on a message: nack. */
function message(id: string, nacked: string[]): Message {
  return { id, nack: () => nacked.push(id) } as unknown as Message;
}

/** Work that finishes when the test says so. */
function pending() {
  let finish = () => undefined as void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { work: () => done, finish };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('in-flight messages', () => {
  it('lets the next message in while a failed one waits out its backoff, and hands that one back after it', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const nacked: string[] = [];
    const started: string[] = [];
    const flow = new InFlight(1);
    const poison = message('poison', nacked);
    const first = pending();
    flow.admit(poison, () => {
      started.push('poison');
      return first.work();
    });
    flow.admit(message('good', nacked), () => {
      started.push('good');
      return Promise.resolve();
    });
    assert.deepEqual(started, ['poison'], 'one slot: the good message waits for it');

    flow.park(poison, 60);
    first.finish();
    await settled();
    assert.deepEqual(started, ['poison', 'good'], 'the parked message keeps no slot');
    assert.deepEqual(nacked, [], 'not handed back before its backoff');

    t.mock.timers.tick(60_000);
    assert.deepEqual(nacked, ['poison']);
  });

  it('on release hands back what waits for a slot or a backoff, and whatever arrives after', () => {
    const nacked: string[] = [];
    const flow = new InFlight(1);
    const handling = pending();
    flow.admit(message('handling', nacked), handling.work);
    flow.admit(message('queued', nacked), () => Promise.resolve());
    flow.park(message('parked', nacked), 600);

    flow.release();
    flow.admit(message('late', nacked), () => Promise.resolve());
    assert.deepEqual(nacked.sort(), ['late', 'parked', 'queued']);
    handling.finish();
  });
});
