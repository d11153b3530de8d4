// A phase 4 processor that runs early and often: 100 completions near the size limit (about 60 KiB
// of metadata each, distinct executions) for the slate arrive after the night's phase 3 trigger but
// before the night's results are complete, on runs that continue as new every 100 events. The
// slate's run keeps what phase 4 needs, not the messages whole: it survives, phase 4 starts once the
// results are handed over, and the day goes on.
import type { Client } from '@temporalio/client';
import { gameDayWorkflow, type GameDayInput } from '../../../src/game-day/workflow';
import { openSignal } from '../../../src/date-run/signals';
import { workflowIdFor } from '../../../src/pipeline/ids';
import { pipeline } from '../../../src/pipeline/definition';
import { phaseCompletions } from '../../simulate/day';
import { driveDays, slateOf, THROUGH_PHASE5_START } from '../days';
import { countLines, logSize } from '../log-tail';
import type { FaultStack } from '../stack';
import { dayFigures, drainedSince, quiet, runsOf, sample, scenario, type Scenario } from './context';

const EARLY = 100;
/** Under the bridge's 64 KiB message limit with the rest of the completion. */
const PADDING_BYTES = 60_000;
/** What the worker logs when a run's task carries a payload over Temporal's limit (and fails). */
const PAYLOAD_LIMIT = /TMPRL1103|payloads with size that exceeded/;
const STEP_AT_MOST_MS = 4 * 60_000;

export function phase4Backlog({ dates: count, threshold = 100 }: { dates: number; threshold?: number }): Scenario {
  const name = 'phase4-backlog';
  return {
    name,
    run: (ctx) =>
      scenario(name, async () => {
        const { stack } = ctx;
        const dates = ctx.nextDates(count);
        const workerLogFrom = logSize(stack.worker.logFile);
        ctx.say(
          `${name}: ${count} dates, ${EARLY} phase 4 completions of ~${PADDING_BYTES / 1000} kB each before phase 3 completes`,
        );
        // The nights' runs and their slates' (where phase 4's completions go) continue as new early.
        for (const gameDate of [...dates, ...dates.map(slateOf)]) {
          const input: GameDayInput = { gameDate, continueAsNewAfterEvents: threshold };
          await stack.client.workflow.signalWithStart(gameDayWorkflow, {
            workflowId: workflowIdFor(gameDate),
            taskQueue: stack.taskQueue,
            args: [input],
            signal: openSignal,
            signalArgs: [],
          });
        }
        const drive = (steps: number) =>
          driveDays(stack, ctx.observer, {
            dates,
            stepsFor: () => steps,
            deliveries: 1,
            random: ctx.random,
            // A run that cannot continue as new retries its task for ever, logging as it goes: not progress.
            stepAtMostMs: Math.min(ctx.stepAtMostMs, STEP_AT_MOST_MS),
            idleMs: 120_000,
          });
        // Phase 2 complete: phase 3 is triggered, its processors are running.
        const opened = await drive(1);

        // Phase 4 of the slate runs early, over and over, each time with a large report.
        const [early] = pipeline.phase4Levels[0]!.processors;
        const published = new Set(opened.published);
        for (const gameDate of dates.map(slateOf)) {
          for (const id of await publishEarly(stack, gameDate, early!)) published.add(id);
        }
        // A wedged run logs its failing task over and over: quiet, or a minute, whichever comes first.
        await quiet(stack, 3_000, 60_000);

        // Then phase 3 completes, and the day goes on through the phase 5 start.
        const faultAt = Date.now();
        const driven = await drive(THROUGH_PHASE5_START);
        for (const id of driven.published) published.add(id);
        const day = dayFigures(ctx.observer, dates, { expected: driven.expected, published });
        const runs = await runsOf(stack.client, dates);
        const failures = [...day.failures];
        if (runs.bad.length) failures.push(`runs ended ${runs.bad.length}: ${sample(runs.bad)}`);
        const tooLarge = countLines(stack.worker.logFile, workerLogFrom, PAYLOAD_LIMIT);
        if (tooLarge)
          failures.push(
            `the run's state outgrew Temporal's 2 MB payload limit: ${tooLarge} workflow tasks failed, the run stood still meanwhile`,
          );
        // A wedged run retries its workflow task for ever: end it, so the scenarios after this one measure themselves.
        if (failures.length) await terminateOpen(stack.client, dates);
        return {
          figures: { ...day.figures, drained_ms: drainedSince(ctx.observer, dates, faultAt, day.figures.lost) },
          failures,
          notes: [`${runs.continuedAsNew} continue-as-new across ${count} dates`],
        };
      }),
  };
}

/** `EARLY` successes of the slate's processor `early`, each with a large report; returns their message ids. */
async function publishEarly(stack: FaultStack, gameDate: string, early: string): Promise<string[]> {
  const [template] = phaseCompletions('phase4', {
    gameDate,
    correlationId: `faults-${gameDate}`,
    duplicates: 0,
    only: [early],
    metadata: { report: 'x'.repeat(PADDING_BYTES) },
  });
  const sends = Array.from({ length: EARLY }, (_, i) =>
    stack.pubsub.pubsub.topic(template!.topic).publishMessage({
      json: { ...template!.message, execution_id: `${early}-${gameDate}-early-${i}`, status: 'success' },
    }),
  );
  return Promise.all(sends);
}

async function terminateOpen(client: Client, dates: readonly string[]): Promise<void> {
  for (const date of [...dates, ...dates.map(slateOf)]) {
    await client.workflow
      .getHandle(workflowIdFor(date))
      .terminate('fault suite: phase4-backlog left this run wedged')
      .catch(() => undefined);
  }
}
