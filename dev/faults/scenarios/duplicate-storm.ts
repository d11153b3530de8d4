// Every message delivered three times, shuffled across all dates, over many dates at once: each
// trigger must still go out exactly once. A few dates go on through the exports (phase 6).
import { driveDays, THROUGH_EXPORTS, THROUGH_PHASE5_START } from '../days';
import { dayFigures, scenario, seedExportDays, type Scenario } from './context';

export interface StormOptions {
  dates: number;
  /** How many of them go through the exports too. */
  wholeDays: number;
  deliveries?: number;
}

export function duplicateStorm({ dates: count, wholeDays, deliveries = 3 }: StormOptions): Scenario {
  const name = 'duplicate-storm';
  return {
    name,
    run: (ctx) =>
      scenario(name, async () => {
        const dates = ctx.nextDates(count);
        const whole = new Set(dates.slice(0, wholeDays));
        await seedExportDays(ctx.stack, [...whole]);
        ctx.say(`${name}: ${count} dates (${wholeDays} through the exports), every message ${deliveries}×, shuffled`);
        const driven = await driveDays(ctx.stack, ctx.observer, {
          dates,
          stepsFor: (date) => (whole.has(date) ? THROUGH_EXPORTS : THROUGH_PHASE5_START),
          deliveries,
          random: ctx.random,
          stepAtMostMs: ctx.stepAtMostMs,
          idleMs: 120_000,
        });
        return dayFigures(ctx.observer, dates, driven);
      }),
  };
}
