// BigQuery down while triggers fire: bqemulator stopped, then started again on its file; then the
// run-history tables dropped and created again while more dates flow. The run history follows the
// triggers, it never holds them: dates already open and live dates fire every trigger once during
// the outage. A past date opened during it first asks the run history whether it closed before (a
// closed date is never reopened), so it waits, and fires once BigQuery is back: nothing lost, nothing
// twice, and no run fails or wedges.
import type { Client } from '@temporalio/client';
import { openDateRun } from '../../../src/date-run/client';
import { ensureSchema, runQuery } from '../../../src/platform/bigquery';
import { addDays } from '../../../src/time';
import { pipeline } from '../../../src/pipeline/definition';
import { phase5WorkflowId } from '../../../src/pipeline/ids';
import { calendarDateIn } from '../../../src/time';
import { driveDays, expectedTriggers, slateOf, type Driven } from '../days';
import { triggerKey } from '../observer';
import type { FaultStack } from '../stack';
import { sleep } from '../tally';
import { dayFigures, runsOf, sample, scenario, type Scenario } from './context';

/** Phase 2 through the phase 4 cascade: the steps that read nothing from BigQuery. */
const STEPS = 4;
const HISTORY_TABLES = ['nba_orchestration.game_day_events', 'nba_orchestration.game_day_runs'];

export function bigqueryDown({ dates: count, downMs = 180_000 }: { dates: number; downMs?: number }): Scenario {
  const name = 'bigquery-down';
  return {
    name,
    run: (ctx) =>
      scenario(name, async () => {
        const { stack } = ctx;
        const { bigquery } = stack;
        const failures: string[] = [];
        const notes: string[] = [];
        const drive = (dates: readonly string[]): Promise<Driven> =>
          driveDays(stack, ctx.observer, {
            dates,
            stepsFor: () => STEPS,
            deliveries: 2,
            random: ctx.random,
            stepAtMostMs: ctx.stepAtMostMs,
            // A run waiting on BigQuery stays quiet until it is back: let the step outwait the outage.
            idleMs: downMs + 120_000,
          });

        // 1. Past nights whose runs (and their slates') opened before the outage; a live night (yesterday
        //    in the pipeline's time zone, its slate today); past nights first seen during the outage.
        const open = ctx.nextDates(count);
        const live = [addDays(calendarDateIn(pipeline.phase5.timeZone, new Date()), -1)];
        const late = ctx.nextDates(count);
        ctx.say(
          `${name}: bqemulator down ≥ ${downMs / 1000} s while ${count} open past dates, ${live.length} live and ${count} new past dates flow; then the run-history tables dropped and recreated`,
        );
        await openAndChecked(stack, [...open, ...open.map(slateOf)]);

        const downAt = Date.now();
        await bigquery.stop();
        // BigQuery stays down until the open and live dates are through (and at least `downMs`).
        const lateDriven = drive(late);
        const [firing] = await Promise.all([drive([...open, ...live]), sleep(downMs)]);
        await bigquery.start();
        const upAt = Date.now();
        const drivenLate = await lateDriven;

        judgeOutage(ctx.observer.triggers, { firing: [...open, ...live], late, downAt, upAt }, failures, notes);

        // 2. The run-history tables dropped, and created again once the next dates' triggers are firing.
        await Promise.all(HISTORY_TABLES.map((table) => runQuery(bigquery.bigquery, `DROP TABLE IF EXISTS ${table}`)));
        const dropped = ctx.nextDates(count);
        const recreate = (async () => {
          const until = Date.now() + 120_000;
          while (seenBefore(ctx.observer.triggers, dropped, Infinity) === 0 && Date.now() < until) await sleep(100);
          await ensureSchema(bigquery.bigquery);
        })();
        const [drivenDropped] = await Promise.all([drive(dropped), recreate]);

        const dates = [...open, ...live, ...late, ...dropped];
        const driven: Driven = {
          expected: [...firing.expected, ...drivenLate.expected, ...drivenDropped.expected],
          published: new Set([...firing.published, ...drivenLate.published, ...drivenDropped.published]),
        };
        const day = dayFigures(ctx.observer, dates, driven);
        const runs = await runsOf(stack.client, dates);
        if (runs.bad.length) failures.push(`runs ended ${runs.bad.length}: ${sample(runs.bad)}`);
        return {
          figures: {
            ...day.figures,
            // BigQuery back → the last trigger of the past dates opened during the outage.
            recovery_ms: day.figures.lost ? null : Math.max(0, lastSeen(ctx.observer.triggers, late) - upAt),
          },
          failures: [...day.failures, ...failures],
          notes,
        };
      }),
  };
}

/**
 * Opens the dates' runs as the daily opener does and waits until each has asked the run history
 * whether its date closed before: a run starts its phase 5 child only after that answer.
 */
async function openAndChecked(stack: FaultStack, dates: readonly string[]): Promise<void> {
  for (const date of dates) await openDateRun(stack.client, date, stack.taskQueue, 'open');
  for (const date of dates) await childStarted(stack.client, phase5WorkflowId(date));
}

async function childStarted(client: Client, workflowId: string, atMostMs = 120_000): Promise<void> {
  const until = Date.now() + atMostMs;
  for (;;) {
    const found = await client.workflow
      .getHandle(workflowId)
      .describe()
      .then(() => true)
      .catch(() => false);
    if (found) return;
    if (Date.now() > until) throw new Error(`${workflowId} did not start within ${atMostMs / 1000} s`);
    await sleep(250);
  }
}

type Seen = readonly { topic: string; triggerId?: string; at: number }[];

const keysOf = (dates: readonly string[]) => new Set(dates.flatMap((d) => expectedTriggers(d, STEPS)));

/** How many of the dates' expected triggers were seen before `at`. */
/** The open and live dates' triggers must go out while BigQuery is down; the late dates' are counted. */
function judgeOutage(
  observed: Seen,
  { firing, late, downAt, upAt }: { firing: readonly string[]; late: readonly string[]; downAt: number; upAt: number },
  failures: string[],
  notes: string[],
): void {
  const firingDue = firing.length * STEPS;
  const firedDown = seenBefore(observed, firing, upAt);
  notes.push(
    `${firedDown} of ${firingDue} triggers of open and live dates went out while BigQuery was down (${((upAt - downAt) / 1000).toFixed(0)} s)`,
  );
  if (firedDown < firingDue)
    failures.push(
      `open and live dates waited for BigQuery: ${firingDue - firedDown} of ${firingDue} triggers went out only after it was back`,
    );
  const lateDown = seenBefore(observed, late, upAt);
  notes.push(
    `${lateDown} of ${late.length * STEPS} triggers of past dates opened during the outage went out before it ended (they first ask the run history whether the date closed)`,
  );
}

function seenBefore(observed: Seen, dates: readonly string[], at: number): number {
  const wanted = keysOf(dates);
  const seen = new Set(
    observed
      .filter((o) => o.at < at && o.triggerId)
      .map((o) => triggerKey(o.topic, o.triggerId!))
      .filter((key) => wanted.has(key)),
  );
  return seen.size;
}

function lastSeen(observed: Seen, dates: readonly string[]): number {
  const wanted = keysOf(dates);
  return Math.max(
    0,
    ...observed.filter((o) => o.triggerId && wanted.has(triggerKey(o.topic, o.triggerId))).map((o) => o.at),
  );
}
