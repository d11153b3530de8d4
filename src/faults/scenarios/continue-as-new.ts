// Continue-as-new in the middle of a trigger: runs opened with a low history threshold, then a
// duplicate storm while the day's triggers fire, so the run keeps continuing as new while
// publishes, child starts and exports are in flight. Each trigger still goes out once, and no run
// of the date (nor its children) fails.
import type { Client } from '@temporalio/client';
import { eventDrivenExport, exportWorkflowIdFor } from '../../pipeline/exports';
import { workflowIdFor } from '../../pipeline/definition';
import type { SimulatedMessage } from '../../simulate/day';
import { gameDayWorkflow, openSignal, type GameDayInput } from '../../workflows/game-day';
import { phase4CascadeWorkflowId } from '../../workflows/phase4-cascade';
import { phase5WorkflowId } from '../../workflows/phase5';
import { driveDays, THROUGH_EXPORTS, topicCache } from '../days';
import { countLines, logSize } from '../log-tail';
import { settle, sleep } from '../tally';
import { dayFigures, sample, scenario, seedExportDays, type Scenario } from './context';

/** Storm messages per second, on top of every message delivered three times. */
const STORM_PER_SECOND = 100;

export function continueAsNewMidTrigger({ dates: count, threshold = 100 }: { dates: number; threshold?: number }): Scenario {
  const name = 'continue-as-new';
  return {
    name,
    run: (ctx) =>
      scenario(name, async () => {
        const { stack } = ctx;
        const dates = ctx.nextDates(count);
        await seedExportDays(stack, dates);
        ctx.say(`${name}: ${count} dates opened with continueAsNewAfterEvents ${threshold}, a storm of ${STORM_PER_SECOND}/s through the exports`);
        for (const gameDate of dates) {
          // Built apart from the call: the field is the lead's new option of GameDayInput.
          const input: GameDayInput & { continueAsNewAfterEvents: number } = { gameDate, continueAsNewAfterEvents: threshold };
          await stack.client.workflow.signalWithStart(gameDayWorkflow, {
            workflowId: workflowIdFor(gameDate),
            taskQueue: stack.taskQueue,
            args: [input],
            signal: openSignal,
            signalArgs: [],
          });
        }

        const pool: SimulatedMessage[] = [];
        const publisher = topicCache(stack.pubsub.pubsub);
        let storming = true;
        const storm = (async () => {
          while (storming) {
            const burst = pool.length ? Array.from({ length: STORM_PER_SECOND / 10 }, () => ctx.random.pick(pool)) : [];
            await Promise.all(burst.map(({ topic, message }) => publisher(topic).publishMessage({ json: message })));
            await sleep(100);
          }
        })();
        const bridgeLogFrom = logSize(stack.bridge.logFile);
        const driven = await driveDays(stack.pubsub.pubsub, ctx.observer, {
          dates,
          stepsFor: () => THROUGH_EXPORTS,
          deliveries: 3,
          random: ctx.random,
          idleMs: 120_000,
          onPublished: (messages) => pool.push(...messages),
        });
        storming = false;
        await storm;
        // Let the storm's backlog drain: a second decision would show up then.
        const signalled = () => countLines(stack.bridge.logFile, bridgeLogFrom, /"msg":"completion signalled"/);
        await settle(() => false, signalled, 5_000);

        const day = dayFigures(ctx.observer, dates, driven);
        const runs = await runsOf(stack.client, dates);
        const failures = [...day.failures];
        if (runs.bad.length) failures.push(`runs not healthy ${runs.bad.length}: ${sample(runs.bad)}`);
        if (runs.continuedAsNew === 0) {
          failures.push(`no run continued as new: GameDayInput.continueAsNewAfterEvents (${threshold}) is not honoured`);
        }
        return { figures: day.figures, failures, notes: [`${runs.continuedAsNew} continue-as-new across ${count} dates`] };
      }),
  };
}

/** Every run of the dates' workflows: how many continued as new, and which failed or were cut short. */
async function runsOf(client: Client, dates: readonly string[]): Promise<{ continuedAsNew: number; bad: string[] }> {
  let continuedAsNew = 0;
  const bad: string[] = [];
  const ids = dates.flatMap((d) => [workflowIdFor(d), phase4CascadeWorkflowId(d), phase5WorkflowId(d), exportWorkflowIdFor(d, eventDrivenExport.set)]);
  for (const id of ids) {
    for await (const run of client.workflow.list({ query: `WorkflowId = "${id}"` })) {
      if (run.status.name === 'CONTINUED_AS_NEW') continuedAsNew += 1;
      if (['FAILED', 'TERMINATED', 'TIMED_OUT'].includes(run.status.name)) bad.push(`${id} ${run.runId} ${run.status.name}`);
    }
  }
  return { continuedAsNew, bad };
}
