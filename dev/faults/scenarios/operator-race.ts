// An operator fires the slate's phase 4 by hand (`pipeline trigger phase4 --date N`: the update it
// sends to run N) at the moment the night's last phase 3 completion arrives and its run hands the
// results over to N, on 50 nights. Both paths find no phase 4 cascade and start one; there must be
// one cascade per slate, phase 4's first trigger once, and no run may fail.
import type { Client } from '@temporalio/client';
import { openDateRun, signalCompletion } from '../../../src/date-run/client';
import { manualTriggerUpdate } from '../../../src/date-run/commands';
import { parseCompletion } from '../../../src/messages/completion';
import { phase4CascadeWorkflowId, workflowIdFor } from '../../../src/pipeline/ids';
import { phaseCompletions, type SimulatedMessage } from '../../simulate/day';
import { driveDays, expectedTriggers, slateOf } from '../days';
import type { FaultStack } from '../stack';
import { settle } from '../tally';
import { dayFigures, quiet, runsOf, sample, scenario, type Scenario } from './context';
import { errorMessage } from '../../../src/platform/errors';

/** Races at once: enough to load the worker, few enough that each race is a race. */
const AT_ONCE = 10;

export function operatorRace({ dates: count }: { dates: number }): Scenario {
  const name = 'operator-race';
  return {
    name,
    run: (ctx) =>
      scenario(name, async () => {
        const { stack } = ctx;
        const dates = ctx.nextDates(count);
        ctx.say(`${name}: ${count} dates, each with pipeline trigger phase4 racing phase 3's last completion`);
        const opened = await driveDays(stack, ctx.observer, {
          dates,
          stepsFor: () => 1,
          deliveries: 1,
          random: ctx.random,
          stepAtMostMs: ctx.stepAtMostMs,
          idleMs: 120_000,
        });
        const published = new Set(opened.published);

        // Phase 3 complete but for one processor, whose completion is held back for the race.
        const held = new Map<string, SimulatedMessage>();
        for (const date of dates) {
          const messages = phaseCompletions('phase3', {
            gameDate: date,
            correlationId: `faults-${date}`,
            duplicates: 0,
          });
          const last = lastCleanProcessor(messages);
          held.set(
            date,
            messages.find((m) => m.message.processor_name === last)!,
          );
          for (const m of messages.filter((m) => m.message.processor_name !== last))
            published.add(await stack.pubsub.pubsub.topic(m.topic).publishMessage({ json: m.message }));
        }
        // The slates' runs are open (as the daily opener leaves a game day's), so the operator finds them.
        for (const date of dates) await openDateRun(stack.client, slateOf(date), stack.taskQueue, 'open');
        await quiet(stack);

        const refused: string[] = [];
        for (let i = 0; i < dates.length; i += AT_ONCE) {
          await Promise.all(
            dates.slice(i, i + AT_ONCE).map((date) => raceOperator(stack, date, held.get(date)!, refused)),
          );
        }

        // Phase 4's first trigger for every date, then whatever the losing path does settles.
        const wanted = dates.flatMap((d) => expectedTriggers(d, 2));
        const seen = () => {
          const keys = new Set(ctx.observer.triggers.map((o) => `${o.topic} ${o.triggerId ?? ''}`));
          return wanted.filter((k) => keys.has(k)).length;
        };
        const giveUpAt = Date.now() + ctx.stepAtMostMs;
        await settle(() => seen() === wanted.length || Date.now() > giveUpAt, seen, 120_000);
        await quiet(stack);

        const day = dayFigures(ctx.observer, dates, { expected: wanted, published });
        const runs = await runsOf(stack.client, dates);
        const cascades = await cascadeRuns(stack.client, dates);
        const failures = [...day.failures];
        if (runs.bad.length) failures.push(`runs ended ${runs.bad.length}: ${sample(runs.bad)}`);
        const twice = cascades.filter((c) => c.runs > 1);
        if (twice.length)
          failures.push(`phase 4 started twice on ${twice.length} slates: ${sample(twice.map((c) => c.date))}`);
        return {
          figures: day.figures,
          failures,
          notes: [
            `${count} races; the operator's update refused on ${refused.length}${refused.length ? `: ${sample(refused, 2)}` : ''}`,
          ],
        };
      }),
  };
}

/** The operator's phase 4 trigger for the slate of `date`, at once with the night's held completion. */
async function raceOperator(
  stack: FaultStack,
  date: string,
  { topic, message }: SimulatedMessage,
  refused: string[],
): Promise<void> {
  const parsed = parseCompletion(JSON.stringify(message), topic, `faults-race-${date}`);
  if (!parsed.ok) throw new Error(`the held completion does not parse: ${parsed.reason}`);
  // The update `pipeline trigger phase4 --date N` sends to the slate's open run.
  const operator = stack.client.workflow
    .getHandle(workflowIdFor(slateOf(date)))
    .executeUpdate(manualTriggerUpdate, {
      args: [
        {
          phase: 'phase4',
          reason: 'fault suite: operator racing the last completion',
          requestedBy: 'fault-suite',
        },
      ],
    })
    .catch((error: unknown) => refused.push(`${slateOf(date)}: ${errorMessage(error)}`));
  const completion = signalCompletion(stack.client, stack.taskQueue, parsed.value);
  await Promise.all([operator, completion]);
}

/** A processor with one clean success among the messages (no failure first, no duplicate). */
function lastCleanProcessor(messages: readonly SimulatedMessage[]): string {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m.message.processor_name, (counts.get(m.message.processor_name) ?? 0) + 1);
  const clean = [...counts].filter(([, n]) => n === 1).map(([p]) => p);
  const last = clean.at(-1);
  if (!last) throw new Error('phase 3 has no processor with a single completion');
  return last;
}

/** Phase 4 cascade executions per night's slate, continue-as-new chains counted once. */
async function cascadeRuns(client: Client, nights: readonly string[]): Promise<{ date: string; runs: number }[]> {
  const out: { date: string; runs: number }[] = [];
  for (const date of nights.map(slateOf)) {
    let runs = 0;
    for await (const run of client.workflow.list({ query: `WorkflowId = "${phase4CascadeWorkflowId(date)}"` }))
      if (run.status.name !== 'CONTINUED_AS_NEW') runs += 1;
    out.push({ date, runs });
  }
  return out;
}
