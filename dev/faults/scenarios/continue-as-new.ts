// Continue-as-new in the middle of a trigger: runs opened with a low history threshold, then a
// duplicate storm (every message ten times) while the day's triggers fire, so the run keeps continuing as new while
// publishes, child starts and exports are in flight. Each trigger still goes out once, and no run
// of the date (nor its children) fails.
import { workflowIdFor } from '../../../src/pipeline/ids';
import { gameDayWorkflow, type GameDayInput } from '../../../src/game-day/workflow';
import { openSignal } from '../../../src/date-run/signals';
import { driveDays, slateOf, THROUGH_EXPORTS } from '../days';
import { dayFigures, quiet, runsOf, sample, scenario, seedExportDays, type Scenario } from './context';

/**
 * Each message delivered this often, shuffled: a date is complete after about a third of its
 * step's deliveries, so the rest storm in while the trigger is being published and recorded.
 */
const DELIVERIES = 10;

export function continueAsNewMidTrigger({
  dates: count,
  threshold = 100,
}: {
  dates: number;
  threshold?: number;
}): Scenario {
  const name = 'continue-as-new';
  return {
    name,
    run: (ctx) =>
      scenario(name, async () => {
        const { stack } = ctx;
        const dates = ctx.nextDates(count);
        await seedExportDays(stack, dates);
        ctx.say(
          `${name}: ${count} dates opened with continueAsNewAfterEvents ${threshold}, every message ${DELIVERIES}×, through the exports`,
        );
        for (const gameDate of dates.flatMap((night) => [night, slateOf(night)])) {
          const input: GameDayInput = { gameDate, continueAsNewAfterEvents: threshold };
          await stack.client.workflow.signalWithStart(gameDayWorkflow, {
            workflowId: workflowIdFor(gameDate),
            taskQueue: stack.taskQueue,
            args: [input],
            signal: openSignal,
            signalArgs: [],
          });
        }

        const driven = await driveDays(stack, ctx.observer, {
          dates,
          stepsFor: () => THROUGH_EXPORTS,
          deliveries: DELIVERIES,
          random: ctx.random,
          stepAtMostMs: ctx.stepAtMostMs,
          idleMs: 120_000,
        });
        await quiet(stack); // the storm's tail: a second decision would show up now

        const day = dayFigures(ctx.observer, dates, driven);
        const runs = await runsOf(stack.client, dates);
        const failures = [...day.failures];
        if (runs.bad.length) failures.push(`runs not healthy ${runs.bad.length}: ${sample(runs.bad)}`);
        if (runs.continuedAsNew === 0) {
          failures.push(
            `no run continued as new: GameDayInput.continueAsNewAfterEvents (${threshold}) is not honoured`,
          );
        }
        return {
          figures: day.figures,
          failures,
          notes: [`${runs.continuedAsNew} continue-as-new across ${count} dates`],
        };
      }),
  };
}
