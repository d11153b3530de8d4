// A deployment's shape: two workers and two bridges on the same task queue and subscriptions. While
// dates flow, one worker and one bridge are killed -9 (the supervisor starts them again), then the
// other worker is drained by SIGTERM, as a rolling restart does. Nothing may be lost and no trigger
// decided twice; the drained worker must exit by itself, not be killed.
import { driveDays, THROUGH_PHASE5_START } from '../days';
import { logSize, waitForLine, waitForLines } from '../log-tail';
import type { Replica } from '../stack';
import { dayFigures, drainedSince, exitsSince, scenario, type Scenario } from './context';

const TRIGGER_PUBLISHED = /"msg":"trigger published"/;
const COMPLETION_SIGNALLED = /"msg":"completion signalled"/;
/** A worker that has not finished draining by then is killed, and the scenario fails. */
const DRAIN_GRACE_MS = 60_000;

export function replicas({ dates: count }: { dates: number }): Scenario {
  const name = 'replicas';
  return {
    name,
    run: (ctx) =>
      scenario(name, async () => {
        const { stack } = ctx;
        ctx.say(`${name}: ${count} dates on 2 workers and 2 bridges; kill -9 of one of each, then SIGTERM of a worker`);
        const [worker2, bridge2] = await Promise.all([
          stack.replica('worker', 'worker-2'),
          stack.replica('bridge', 'bridge-2'),
        ]);
        const exits = exitsSince(ctx.stack);
        const [worker2Exits, bridge2Exits] = [worker2.exits.length, bridge2.exits.length];
        const dates = ctx.nextDates(count);
        const notes: string[] = [];
        const failures: string[] = [];
        const workerLog = stack.worker.logFile;
        const [workerFrom, bridge2From] = [logSize(workerLog), logSize(bridge2.logFile)];
        try {
          const driving = driveDays(stack, ctx.observer, {
            dates,
            stepsFor: () => THROUGH_PHASE5_START,
            deliveries: 3,
            random: ctx.random,
            stepAtMostMs: ctx.stepAtMostMs,
            idleMs: 180_000,
          });
          let firstFaultAt = 0;
          let backAt = 0;
          const faults = (async () => {
            // Either worker may take the first task; the first publish anywhere means dates are flowing.
            await Promise.any([
              waitForLine(workerLog, workerFrom, TRIGGER_PUBLISHED, 120_000),
              waitForLine(worker2.logFile, logSize(worker2.logFile), TRIGGER_PUBLISHED, 120_000),
            ]);
            firstFaultAt = Date.now();
            await stack.worker.kill9();
            notes.push(`worker killed -9 at +0.0 s`);
            await waitForLines(bridge2.logFile, bridge2From, COMPLETION_SIGNALLED, 30, 120_000).catch(() => undefined);
            await bridge2.kill9();
            notes.push(`bridge-2 killed -9 at +${since(firstFaultAt)}`);
            await Promise.all([stack.worker.ready(), bridge2.ready()]);
            backAt = Date.now();
            notes.push(`both back at +${since(firstFaultAt)}`);
            // The rolling restart: drain the other worker while the dates still flow.
            await waitForAnyPublish([stack.worker, worker2], 120_000);
            await drainByTerm(worker2, firstFaultAt, failures, notes);
          })();
          const [driven] = await Promise.all([driving, faults]);
          const { figures, failures: dayFailures } = dayFigures(ctx.observer, dates, driven);
          const main = exits();
          const replicaExits = [...worker2.exits.slice(worker2Exits), ...bridge2.exits.slice(bridge2Exits)];
          return {
            figures: {
              ...figures,
              // Recovered: the killed worker and bridge up again (the other replicas carried on meanwhile).
              recovery_ms: backAt ? backAt - firstFaultAt : null,
              drained_ms: drainedSince(ctx.observer, dates, firstFaultAt, figures.lost),
              restarts: {
                worker: main.worker + worker2.exits.length - worker2Exits,
                bridge: main.bridge + bridge2.exits.length - bridge2Exits,
                unplanned: main.unplanned + replicaExits.filter((e) => !e.killed).length,
              },
            },
            failures: [...dayFailures, ...failures],
            notes,
          };
        } finally {
          await Promise.all([worker2.stop(), bridge2.stop()]);
        }
      }),
  };
}

/** SIGTERM to worker-2: it must drain within the grace and exit 0; then it is started again. */
async function drainByTerm(worker2: Replica, firstFaultAt: number, failures: string[], notes: string[]): Promise<void> {
  const drainStarted = Date.now();
  const exit = await worker2.terminate(DRAIN_GRACE_MS);
  if (!exit) failures.push(`worker-2 did not drain within ${DRAIN_GRACE_MS / 1000} s of SIGTERM: killed`);
  else {
    notes.push(
      `worker-2 drained by SIGTERM at +${since(firstFaultAt)}: exited ${exit.signal ?? `code ${exit.code}`} after ${since(drainStarted)}`,
    );
    if (exit.code !== 0) failures.push(`worker-2 exited ${exit.signal ?? `code ${exit.code}`} on SIGTERM, not 0`);
  }
  await worker2.ready();
}

const since = (at: number) => `${((Date.now() - at) / 1000).toFixed(1)} s`;

function waitForAnyPublish(processes: readonly Pick<Replica, 'logFile'>[], timeoutMs: number): Promise<unknown> {
  return Promise.any(
    processes.map((p) => waitForLine(p.logFile, logSize(p.logFile), TRIGGER_PUBLISHED, timeoutMs)),
  ).catch(() => undefined);
}
