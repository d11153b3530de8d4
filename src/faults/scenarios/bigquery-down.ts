// BigQuery down while triggers fire: bqemulator stopped for three minutes, then started again on
// its file; then the run-history tables dropped and created again while more dates flow. The run
// history follows the triggers, it never holds them: every trigger goes out once, the triggers due
// during the outage go out during it, and no run fails or wedges.
import { ensureSchema, runQuery } from '../../bigquery/client';
import { driveDays, expectedTriggers, type Driven } from '../days';
import { triggerKey } from '../observer';
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
            idleMs: downMs + 60_000,
          });

        // 1. BigQuery down for `downMs` while the first dates flow.
        const during = ctx.nextDates(count);
        ctx.say(
          `${name}: bqemulator down ${downMs / 1000} s while ${count} dates flow; then the run-history tables dropped and recreated`,
        );
        const downAt = Date.now();
        await bigquery.stop();
        const outage = sleep(downMs).then(async () => {
          await bigquery.start();
          return Date.now();
        });
        const [drivenDuring, upAt] = await Promise.all([drive(during), outage]);
        const duringOutage = seenBefore(ctx.observer.triggers, during, upAt);
        const due = during.length * STEPS;
        notes.push(`${duringOutage} of ${due} triggers went out while BigQuery was down`);
        if (duringOutage < due)
          failures.push(
            `triggers waited for BigQuery: ${due - duringOutage} of ${due} went out only after it was back (${((upAt - downAt) / 1000).toFixed(0)} s down)`,
          );

        // 2. The run-history tables dropped, and created again once the next dates' triggers are firing.
        await Promise.all(HISTORY_TABLES.map((table) => runQuery(bigquery.bigquery, `DROP TABLE IF EXISTS ${table}`)));
        const dropped = ctx.nextDates(count);
        const recreate = (async () => {
          const until = Date.now() + 120_000;
          while (seenBefore(ctx.observer.triggers, dropped, Infinity) === 0 && Date.now() < until) await sleep(100);
          await ensureSchema(bigquery.bigquery);
        })();
        const [drivenDropped] = await Promise.all([drive(dropped), recreate]);

        const dates = [...during, ...dropped];
        const driven: Driven = {
          expected: [...drivenDuring.expected, ...drivenDropped.expected],
          published: new Set([...drivenDuring.published, ...drivenDropped.published]),
        };
        const day = dayFigures(ctx.observer, dates, driven);
        const runs = await runsOf(stack.client, dates);
        if (runs.bad.length) failures.push(`runs ended ${runs.bad.length}: ${sample(runs.bad)}`);
        return {
          figures: {
            ...day.figures,
            // BigQuery back → the last trigger of the dates that flowed during the outage.
            recovery_ms: day.figures.lost ? null : Math.max(0, lastSeen(ctx.observer.triggers, during) - upAt),
          },
          failures: [...day.failures, ...failures],
          notes,
        };
      }),
  };
}

type Seen = readonly { topic: string; triggerId?: string; at: number }[];

const keysOf = (dates: readonly string[]) => new Set(dates.flatMap((d) => expectedTriggers(d, STEPS)));

/** How many of the dates' expected triggers were seen before `at`. */
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
