// The Pub/Sub server restarts and forgets every topic and subscription. The bridge may not create
// them (least privilege): it must notice by itself and exit non-zero, so its supervisor restarts it
// and the crash loop is seen. The operator runs `pipeline init`; the bridge then starts and a fresh
// set of days flows through as before.
import { ensureTopology } from '../../../src/platform/infra/topology';
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
        const { pubsub, bridge } = ctx.stack;
        const exits = exitsSince(ctx.stack);
        ctx.say(
          `${name}: the Pub/Sub server restarts empty; the bridge has ${BRIDGE_MAY_TAKE_MS / 1000} s to exit, then pipeline init`,
        );
        const restartedAt = Date.now();
        await pubsub.restart();
        const exited = await bridgeExited(() => exits().unplanned, restartedAt + BRIDGE_MAY_TAKE_MS);
        const failures = exited
          ? []
          : [`the bridge stayed up deaf: it did not exit within ${BRIDGE_MAY_TAKE_MS / 1000} s of the restart`];
        await ensureTopology(pubsub.pubsub); // the operator's `pipeline init`
        const initAt = Date.now();
        if (!exited) await bridge.kill9(); // repair, so the days below measure something
        const subscribed = await bridge.ready(BRIDGE_MAY_TAKE_MS).then(
          () => Date.now(),
          () => undefined,
        );
        if (!subscribed) failures.push('the bridge did not start again after pipeline init');
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
        const exitedAfter = exited ? `${((exited - restartedAt) / 1000).toFixed(1)} s` : 'never';
        const backAfter = subscribed ? `${((subscribed - initAt) / 1000).toFixed(1)} s` : 'never';
        return {
          figures: { ...day.figures, recovery_ms: subscribed ? subscribed - restartedAt : null, restarts: exits() },
          failures: [...failures, ...day.failures],
          notes: [`the bridge exited ${exitedAfter} after the restart, and was back ${backAfter} after pipeline init`],
        };
      }),
  };
}

/** When the bridge first exited by itself, or undefined at the deadline. */
async function bridgeExited(unplannedExits: () => number, deadline: number): Promise<number | undefined> {
  while (Date.now() < deadline) {
    if (unplannedExits() > 0) return Date.now();
    await sleep(250);
  }
  return undefined;
}
