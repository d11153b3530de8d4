// Phase 4 as a cascade, one child run per slate date: level 1 is triggered when the results of the
// previous game date are handed over; each later level when every level before it is complete.
// After level 3, phase 4 is done.
import { phase4LevelTrigger } from '../messages/trigger';
import * as wf from '@temporalio/workflow';
import type { Completion } from '../messages/completion';
import { phaseDefinition, pipeline } from '../pipeline/definition';
import { triggerKeys, workflowIdFor } from '../pipeline/ids';
import { fireOnce } from '../triggers/fire';
import { historyTooLong } from '../temporal/history';
import { levelProgress, recordDelivery, type Received } from '../date-run/progress';
import { searchable } from '../temporal/search-attributes';
import {
  backfillSignal,
  completionSignal,
  phase4DoneSignal,
  pushLevelSignal,
  stepFiredSignal,
  type Phase4Done,
  type PushLevel,
  type StepFired,
} from '../date-run/signals';

export interface Phase4CascadeInput {
  gameDate: string;
  /** The slate's correlation id: the one handed over with the results of `resultsOf`. */
  correlationId: string | null;
  /** The game date whose results were handed over to this slate (null: an operator started it). */
  resultsOf?: string | null;
  backfill: boolean;
  /** Phase 4 completions known at start; the date's run hands over the rest by signal. */
  received: Received;
  /** Carried across continue-as-new: the levels triggered, and level 3's player counts. */
  fired?: Record<string, StepFired>;
  players?: Phase4Done;
  /** A rerun's id scope (`rerun-<n>`): its trigger ids differ from the first run's. */
  scope?: string;
  /** The level an operator or a rerun pushed the cascade on to. */
  pushed?: PushLevel;
}

export async function phase4CascadeWorkflow(input: Phase4CascadeInput): Promise<void> {
  const received = input.received;
  let backfill = input.backfill;
  let players: Phase4Done = input.players ?? { playersReady: null, playersTotal: null };
  const fired: Record<string, StepFired> = input.fired ?? {};
  const lastLevel = pipeline.phase4Levels[pipeline.phase4Levels.length - 1]!;
  let pushed = input.pushed;
  searchable(input.gameDate, input.correlationId, 'phase4');

  wf.setHandler(completionSignal, (completion: Completion) => {
    recordDelivery(received, completion, new Date().toISOString());
    if (lastLevel.processors.includes(completion.processor) && completion.status !== 'failed') {
      players = playersFrom(completion);
    }
  });
  wf.setHandler(backfillSignal, () => {
    backfill = true;
  });
  wf.setHandler(pushLevelSignal, (push) => {
    if (!pushed || push.level > pushed.level) pushed = push;
  });

  const run = wf.getExternalWorkflowHandle(workflowIdFor(input.gameDate));
  const levelsUpTo = (level: number) => pipeline.phase4Levels.filter((l) => l.level <= level);

  for (const { level, processors } of pipeline.phase4Levels) {
    const upstream =
      level === 1
        ? phaseDefinition('phase3').processors.length
        : levelsUpTo(level - 1).flatMap((l) => l.processors).length;
    const step = await fireOnce(
      fired,
      triggerKeys.phase4Level(level),
      backfill,
      pipeline.topics.phase4Trigger,
      phase4LevelTrigger(
        {
          game_date: input.gameDate,
          correlation_id: input.correlationId,
          trigger_source: pushed?.level === level ? pushed.source : 'orchestrator',
          upstream_processors_count: upstream,
        },
        { level, processors },
        input.resultsOf ?? null,
      ),
      input.scope,
    );
    await run.signal(stepFiredSignal, step);
    // Done, or pushed on past this level by an operator.
    const levelDone = () =>
      levelsUpTo(level).every((l) => levelProgress(l.level, received).complete) || (pushed?.level ?? 0) > level;
    // Nothing is in flight while it waits, so a long history (a processor re-running) continues as new here.
    await wf.condition(() => levelDone() || historyTooLong());
    if (!levelDone()) {
      await wf.condition(wf.allHandlersFinished);
      return wf.continueAsNew<typeof phase4CascadeWorkflow>({ ...input, received, backfill, fired, players, pushed });
    }
  }
  await run.signal(phase4DoneSignal, players);
}

function playersFrom(completion: Completion): Phase4Done {
  const count = (key: string) => {
    const value = completion.metadata?.[key];
    return typeof value === 'number' ? value : null;
  };
  return { playersReady: count('players_ready'), playersTotal: count('players_total') };
}
