// What a backfill asks of BigQuery and of the date runs: its game dates, the runs opened in
// backfill mode (never a date that closed), what each run fired already, whether the processors a
// trigger started have succeeded (run history rows, or the completions the run counted), and the
// runs told when the backfill is done with them.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { BigQuery } from '@google-cloud/bigquery';
import type { SignalDefinition } from '@temporalio/common';
import { backfillDates, latestProcessorSuccesses, type BackfillDate } from './reads';
import { closedRunOf, type ClosedRun } from '../run-history/run-history';
import { log } from '../platform/log';
import { phaseDefinition, type PhaseKey } from '../pipeline/definition';
import { workflowIdFor } from '../pipeline/ids';
import { openDateRun } from '../date-run/client';
import type { StepLook } from './plan';
import { backfillDoneSignal, stepFiredSignal, type StepFired } from '../date-run/signals';
import { statusQuery } from '../date-run/status';
import type { GameDayStatus } from '../date-run/status';

export type { BackfillDate } from './reads';

/** The reads a backfill makes of BigQuery; tests hand in a run history of their own. */
export interface BackfillReads {
  backfillDates(from: string, to: string): Promise<BackfillDate[]>;
  /** Per date and processor (as it names itself), when it last succeeded (success, partial, no_data). */
  latestProcessorSuccesses(dates: string[]): Promise<{ dataDate: string; processor: string; completedAt: string }[]>;
  closedRunOf(gameDate: string): Promise<ClosedRun | null>;
}

export const bigQueryBackfillReads = (bigquery: BigQuery): BackfillReads => ({
  backfillDates: (from, to) => backfillDates(bigquery, from, to),
  latestProcessorSuccesses: (dates) => latestProcessorSuccesses(bigquery, dates),
  closedRunOf: (gameDate) => closedRunOf(bigquery, gameDate),
});

/** One step of one date the backfill is about to take. */
export interface StepQuestion {
  /** The date the step's trigger names. */
  date: string;
  key: string;
  /** What must have succeeded first: the processors the step before started, for its date, since it fired. */
  needs?: { date: string; phase: PhaseKey; processors: string[]; since: string };
}

/** The definition's name for a processor as the run history names it (some write their class name). */
function definitionName(phase: PhaseKey, processor: string): string {
  const found = phaseDefinition(phase).processors.find((p) => p.name === processor || p.aliases?.includes(processor));
  return found?.name ?? processor;
}

type ProcessorSuccess = Awaited<ReturnType<BackfillReads['latestProcessorSuccesses']>>[number];

/** What one step's date run says of it: fired already, ready (what it waits for succeeded), or ended. */
function lookAtStep(
  { date, key, needs }: StepQuestion,
  statuses: Map<string, GameDayStatus | null>,
  successes: ProcessorSuccess[],
): StepLook {
  const status = statuses.get(date) ?? null;
  const step = status?.triggers?.[key];
  const ended = ['closed', 'expired', 'late'].includes(status?.waiting_on ?? '') ? status!.waiting_on : undefined;
  const ready = needs ? neededSucceeded(needs, statuses, successes) : true;
  return {
    ready,
    ...(step && !step.skipped
      ? {
          fired: {
            triggerId: step.triggerId,
            firedAt: step.firedAt,
            ...(step.source ? { source: step.source } : {}),
          },
        }
      : {}),
    ...(ended ? { ended } : {}),
  };
}

/** Whether every processor a step waits for succeeded since it fired: counted by its run, or in the run history. */
function neededSucceeded(
  needs: NonNullable<StepQuestion['needs']>,
  statuses: Map<string, GameDayStatus | null>,
  successes: ProcessorSuccess[],
): boolean {
  const counted = new Set(statuses.get(needs.date)?.phases[needs.phase]?.completed_processors ?? []);
  const since = Date.parse(needs.since);
  const ran = new Set(
    successes
      .filter((s) => s.dataDate === needs.date && Date.parse(s.completedAt) >= since)
      .map((s) => definitionName(needs.phase, s.processor)),
  );
  return needs.processors.every((p) => counted.has(p) || ran.has(p));
}

/** `gameDayTaskQueue` defaults to the queue this activity runs on: one worker runs both. */
export function createBackfillActivities(client: Client, reads: BackfillReads, gameDayTaskQueue?: string) {
  const statusOf = async (gameDate: string): Promise<GameDayStatus | null> => {
    try {
      return await client.workflow.getHandle(workflowIdFor(gameDate)).query(statusQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  };
  const signalRun = async <Args extends unknown[]>(
    gameDate: string,
    signal: SignalDefinition<Args>,
    ...args: Args
  ): Promise<void> => {
    try {
      await client.workflow.getHandle(workflowIdFor(gameDate)).signal(signal, ...args);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  };

  return {
    /** The range's game dates, each with the next game date (its slate), by the schedule. */
    backfillDates: (range: { from: string; to: string }): Promise<BackfillDate[]> =>
      reads.backfillDates(range.from, range.to),

    /**
     * Opens each date's run in backfill mode. A date the run history shows closed is never opened
     * (Temporal may have forgotten its run): it is reported `closed`, and nothing is published for it.
     */
    async openBackfillDates(dates: string[]): Promise<Record<string, 'opened' | 'closed'>> {
      const taskQueue = gameDayTaskQueue ?? Context.current().info.taskQueue;
      const opened: Record<string, 'opened' | 'closed'> = {};
      for (const date of dates) {
        if (await reads.closedRunOf(date)) {
          opened[date] = 'closed';
          continue;
        }
        opened[date] = (await openDateRun(client, date, taskQueue, 'backfill')).outcome;
      }
      return opened;
    },

    /** For each step: who fired it already, whether what it waits for succeeded, whether its run ended. */
    async lookAtBackfillSteps(questions: StepQuestion[]): Promise<StepLook[]> {
      const dates = [...new Set(questions.flatMap((q) => [q.date, ...(q.needs ? [q.needs.date] : [])]))];
      const statuses = new Map(await Promise.all(dates.map(async (d) => [d, await statusOf(d)] as const)));
      const needsDates = questions.flatMap((q) => (q.needs ? [q.needs.date] : []));
      const successes = await reads.latestProcessorSuccesses(needsDates);
      return questions.map((question) => lookAtStep(question, statuses, successes));
    },

    /** Records on the date's run a step the backfill took, so no one fires it again. */
    async recordBackfillStep(gameDate: string, step: StepFired): Promise<void> {
      await signalRun(gameDate, stepFiredSignal, step);
    },

    /** The backfill is done with these dates: their runs close. */
    async finishBackfillDates(dates: string[]): Promise<void> {
      for (const date of dates) await signalRun(date, backfillDoneSignal);
      log.info({ dates: dates.length }, 'backfilled dates told to close');
    },
  };
}

export type BackfillActivities = ReturnType<typeof createBackfillActivities>;
