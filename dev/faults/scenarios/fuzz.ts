// Fuzzed payloads straight through the bridge's handler, in this process, with a real Temporal
// client to the dev server (on a task queue no worker serves) and a dead-letter stub that records.
// Each payload must end as ack — signalled, or dead-lettered with a reason — within a bounded
// number of deliveries: nothing thrown, no nack loop.
import pino from 'pino';
import { createHandler, type IncomingMessage, type Rejected } from '../../../src/bridge/handler';
import { loadConfig } from '../../../src/platform/config';
import { fuzzPayload } from '../fuzz-payloads';
import { seeded } from '../random';
import { noFigures } from '../report';
import { sample, scenario, type Scenario } from './context';
import { errorMessage } from '../../../src/platform/errors';

/**
 * Deliveries before a message counts as looping (Pub/Sub would go on until retention): above the
 * bridge's own cap (50 by default), after which it must have dead-lettered the message as exhausted.
 */
const MAX_DELIVERIES = 60;
const CONCURRENCY = 16;

export function fuzz({ payloads, seed }: { payloads: number; seed: number }): Scenario {
  const name = 'fuzz';
  return {
    name,
    run: (ctx) =>
      scenario(name, async () => {
        ctx.say(`${name}: ${payloads} seeded payloads (seed ${seed}) through the bridge's handler`);
        const deadLettered = new Map<string, string>();
        const handle = createHandler({
          client: ctx.stack.client,
          taskQueue: 'faults-fuzz',
          maxMessageBytes: loadConfig({}).bridge.maxMessageBytes,
          deadLetter: ({ message, reason }: Rejected) => {
            deadLettered.set(message.id, reason);
            return Promise.resolve();
          },
          signalTimeoutMs: 5_000,
          log: pino({ level: 'silent' }),
        });

        const random = seeded(seed);
        const all = Array.from({ length: payloads }, (_, i) => fuzzPayload(random, i));
        const looping: string[] = [];
        const thrown: string[] = [];
        let redelivered = 0;
        async function deliver(message: IncomingMessage): Promise<void> {
          for (let attempt = 1; attempt <= MAX_DELIVERIES; attempt++) {
            try {
              if ((await handle({ ...message, deliveryAttempt: attempt })).action === 'ack') return;
            } catch (error) {
              thrown.push(`${message.id}: ${errorMessage(error).slice(0, 200)}`);
              return;
            }
            if (attempt === 1) redelivered += 1;
          }
          looping.push(`${message.id} (${describe(message)})`);
        }
        let next = 0;
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next < all.length) await deliver(all[next++]!);
          }),
        );

        const withoutReason = [...deadLettered].filter(([, reason]) => !reason.trim()).map(([id]) => id);
        const acked = payloads - looping.length - thrown.length;
        const failures = [
          ...(looping.length
            ? [`nack loops ${looping.length} (still nacked after ${MAX_DELIVERIES} deliveries): ${sample(looping)}`]
            : []),
          ...(thrown.length ? [`handler threw ${thrown.length}: ${sample(thrown)}`] : []),
          ...(withoutReason.length
            ? [`dead-lettered without a reason ${withoutReason.length}: ${sample(withoutReason)}`]
            : []),
        ];
        return {
          figures: {
            ...noFigures,
            dead_letters: deadLettered.size,
            fuzz: {
              payloads,
              acked,
              dead_lettered: deadLettered.size,
              nack_loops: looping.length,
              thrown: thrown.length,
            },
          },
          failures,
          notes: [`${redelivered} needed more than one delivery; ${acked - deadLettered.size} were signalled`],
        };
      }),
  };
}

/** Enough of a payload to recognise it in a failure line. */
function describe(message: IncomingMessage): string {
  const text = message.data.toString('utf8');
  const correlation = /"correlation_id":"([^"]*)"/.exec(text)?.[1];
  return [
    `${message.data.length} bytes`,
    `${Object.keys(message.attributes).length} attributes`,
    ...(correlation !== undefined ? [`correlation_id of ${correlation.length} chars`] : []),
  ].join(', ');
}
