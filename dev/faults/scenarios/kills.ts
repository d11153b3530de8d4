// Crashes in the middle of a stream of days: kill -9 of the worker right after it published a
// trigger, of the bridge with messages it has not acknowledged, of the Temporal dev server (then a
// restart on its SQLite file). The supervisor restarts the processes. Nothing may be lost and no
// trigger decided twice; a republish of the same decision (a crash between Pub/Sub's ack and the
// activity's completion) is the allowed residual, counted.
import { driveDays, THROUGH_PHASE5_START } from '../days';
import { countLines, logSize, waitForLine, waitForLines } from '../log-tail';
import type { FaultStack } from '../stack';
import { dayFigures, drainedSince, exitsSince, scenario, type Scenario, type SuiteContext } from './context';

const TRIGGER_PUBLISHED = /"msg":"trigger published"/;
const COMPLETION_SIGNALLED = /"msg":"completion signalled"/;
const REDELIVERY = /"delivery_attempt":([2-9]|\d\d+),.*"msg":"completion signalled"/;

interface Kill {
  name: string;
  what: string;
  /** Resolves at the moment to strike, once the days are flowing. */
  moment(ctx: SuiteContext, dates: readonly string[]): Promise<void>;
  kill(stack: FaultStack): Promise<void>;
  /** Resolves with the time from `killedAt` until the victim does its job again. */
  recovered(ctx: SuiteContext, killedAt: number): Promise<number | null>;
  /** How long the days may show no activity at all (default 2 minutes). */
  idleMs?: number;
}

function killDuringDays(k: Kill, count: number): Scenario {
  return {
    name: k.name,
    run: (ctx) =>
      scenario(k.name, async () => {
        const dates = ctx.nextDates(count);
        const exits = exitsSince(ctx.stack);
        ctx.say(`${k.name}: ${count} dates; ${k.what}`);
        const moment = k.moment(ctx, dates);
        const driving = driveDays(ctx.stack, ctx.observer, {
          dates,
          stepsFor: () => THROUGH_PHASE5_START,
          deliveries: 3,
          random: ctx.random,
          stepAtMostMs: ctx.stepAtMostMs,
          idleMs: k.idleMs ?? 120_000,
        });
        let killedAt = 0;
        let bridgeLogAtKill = 0;
        const strike = moment.then(async () => {
          killedAt = Date.now();
          bridgeLogAtKill = logSize(ctx.stack.bridge.logFile);
          await k.kill(ctx.stack);
          return k.recovered(ctx, killedAt);
        });
        const [driven, recovery] = await Promise.all([driving, strike]);
        const { figures, failures } = dayFigures(ctx.observer, dates, driven);
        return {
          figures: {
            ...figures,
            recovery_ms: recovery,
            drained_ms: drainedSince(ctx.observer, dates, killedAt, figures.lost),
            restarts: exits(),
          },
          failures,
          // Evidence the kill caught messages in flight: Pub/Sub delivered them again afterwards.
          notes: [
            `${countLines(ctx.stack.bridge.logFile, bridgeLogAtKill, REDELIVERY)} redeliveries signalled after the kill`,
          ],
        };
      }),
  };
}

/** Time until the log shows `line` again, from where it ends now (null if it never does). */
function nextLogLine(file: string, line: RegExp, killedAt: number): Promise<number | null> {
  return waitForLine(file, logSize(file), line, 180_000).then(
    () => Date.now() - killedAt,
    () => null,
  );
}

export const killWorker = (dates: number): Scenario =>
  killDuringDays(
    {
      name: 'kill-worker',
      what: 'kill -9 of the worker right after its first publish',
      moment: ({ stack }) =>
        waitForLine(stack.worker.logFile, logSize(stack.worker.logFile), TRIGGER_PUBLISHED, 120_000).then(
          () => undefined,
        ),
      kill: (stack) => stack.worker.kill9(),
      recovered: ({ stack }, killedAt) => nextLogLine(stack.worker.logFile, TRIGGER_PUBLISHED, killedAt),
    },
    dates,
  );

export const killBridge = (dates: number): Scenario =>
  killDuringDays(
    {
      name: 'kill-bridge',
      what: 'kill -9 of the bridge after 100 signals, with messages still unacknowledged',
      async moment({ stack }) {
        await waitForLines(stack.bridge.logFile, logSize(stack.bridge.logFile), COMPLETION_SIGNALLED, 100, 120_000);
      },
      kill: (stack) => stack.bridge.kill9(),
      recovered: ({ stack }, killedAt) => nextLogLine(stack.bridge.logFile, COMPLETION_SIGNALLED, killedAt),
      // What the dead bridge held comes back when its lease runs out (the bridge extends leases 20 s at
      // a time); the days may sit still that long, and longer on a loaded machine.
      idleMs: 180_000,
    },
    dates,
  );

export const killTemporal = (dates: number): Scenario =>
  killDuringDays(
    {
      name: 'kill-temporal',
      what: 'kill -9 of the Temporal dev server after the first trigger, restarted on its SQLite file',
      moment: ({ stack }) =>
        waitForLine(stack.worker.logFile, logSize(stack.worker.logFile), TRIGGER_PUBLISHED, 120_000).then(
          () => undefined,
        ),
      kill: (stack) => stack.killTemporal(),
      // A trigger decided after the crash: the server, the worker and the bridge all work again.
      recovered: async ({ observer }, killedAt) => {
        const until = Date.now() + 180_000;
        while (Date.now() < until) {
          const decided = observer.triggers.find((o) => o.timestamp && Date.parse(o.timestamp) > killedAt);
          if (decided) return decided.at - killedAt;
          await new Promise((r) => setTimeout(r, 50));
        }
        return null;
      },
    },
    dates,
  );
