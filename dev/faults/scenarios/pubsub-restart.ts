// The Pub/Sub server restarts and forgets every topic and subscription. The bridge must notice
// by itself: re-create what it owns and resubscribe, or exit non-zero so the supervisor restarts
// it. We only wait — then check a fresh set of days flows through as before.
import type { PubSub } from '@google-cloud/pubsub';
import { subscriptionFor } from '../../../src/pipeline/ids';
import { ensureTopology } from '../../../src/platform/infra/topology';
import { completionTopics } from '../../../src/pipeline/definition';
import { driveDays, THROUGH_PHASE5_START } from '../days';
import { sleep } from '../tally';
import { dayFigures, exitsSince, scenario, type Scenario } from './context';

const BRIDGE_MAY_TAKE_MS = 90_000;

export function restartPubSub({ dates: count }: { dates: number }): Scenario {
  const name = 'restart-pubsub';
  return {
    name,
    run: (ctx) =>
      scenario(name, async () => {
        const { pubsub } = ctx.stack;
        const exits = exitsSince(ctx.stack);
        ctx.say(
          `${name}: the Pub/Sub server restarts empty; the bridge has ${BRIDGE_MAY_TAKE_MS / 1000} s to subscribe again`,
        );
        const restartedAt = Date.now();
        await pubsub.restart();
        const recovered = await bridgeSubscribed(ctx.stack.pubsub.pubsub, restartedAt + BRIDGE_MAY_TAKE_MS);
        const failures: string[] = [];
        if (!recovered) {
          failures.push(
            `the bridge stayed deaf: its subscriptions were not back ${BRIDGE_MAY_TAKE_MS / 1000} s after the restart, ` +
              `and it did not exit (exits ${exits().bridge}); the days below ran after the harness re-created them and restarted it`,
          );
          // Repair, so the probe (and the scenarios after this one) measure something.
          await ensureTopology(pubsub.pubsub);
          await ctx.stack.bridge.kill9();
          await ctx.stack.bridge.ready();
        }
        await ctx.observer.resubscribe();

        const dates = ctx.nextDates(count);
        const driven = await driveDays(ctx.stack, ctx.observer, {
          dates,
          stepsFor: () => THROUGH_PHASE5_START,
          deliveries: 3,
          random: ctx.random,
          stepAtMostMs: ctx.stepAtMostMs,
          idleMs: 60_000,
        });
        const day = dayFigures(ctx.observer, dates, driven);
        return {
          figures: { ...day.figures, recovery_ms: recovered ? recovered - restartedAt : null, restarts: exits() },
          failures: [...failures, ...day.failures],
        };
      }),
  };
}

/** When every completion subscription of the bridge exists again, or undefined at the deadline. */
async function bridgeSubscribed(pubsub: PubSub, deadline: number): Promise<number | undefined> {
  while (Date.now() < deadline) {
    const exist = await Promise.all(
      completionTopics.map((topic) =>
        pubsub
          .subscription(subscriptionFor(topic))
          .exists()
          .then(
            ([yes]) => yes,
            () => false,
          ),
      ),
    );
    if (exist.every(Boolean)) return Date.now();
    await sleep(250);
  }
  return undefined;
}
