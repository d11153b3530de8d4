// One date's phase 4 cascade as a state object, built from its input: what it knows (the
// completions handed over, the levels fired, level 3's player counts, an operator's push, backfill
// mode), carried across continue-as-new, and its steps: fire a level once, wait for it, report done.
import { phase4LevelTrigger } from '../messages/trigger';
import * as wf from '@temporalio/workflow';
import type { Completion } from '../messages/completion';
import { phaseDefinition, pipeline, type Phase4Level } from '../pipeline/definition';
import { triggerKeys, workflowIdFor } from '../pipeline/ids';
import { fireOnce } from '../triggers/fire';
import { historyTooLong } from '../temporal/history';
import { levelProgress, recordDelivery, type Received } from '../date-run/progress';
import {
  phase4DoneSignal,
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

const lastLevel = pipeline.phase4Levels[pipeline.phase4Levels.length - 1]!;
const levelsUpTo = (level: number) => pipeline.phase4Levels.filter((l) => l.level <= level);

export class Phase4Cascade {
  private readonly received: Received;
  private backfill: boolean;
  private players: Phase4Done;
  private readonly fired: Record<string, StepFired>;
  private pushed: PushLevel | undefined;
  /** The date's run, told of each level fired and of the end. */
  private readonly run: wf.ExternalWorkflowHandle;

  constructor(private readonly input: Phase4CascadeInput) {
    this.received = input.received;
    this.backfill = input.backfill;
    this.players = input.players ?? { playersReady: null, playersTotal: null };
    this.fired = input.fired ?? {};
    this.pushed = input.pushed;
    this.run = wf.getExternalWorkflowHandle(workflowIdFor(input.gameDate));
  }

  // ── What arrives ─────────────────────────────────────────────────────────────────────────────

  receive(completion: Completion): void {
    recordDelivery(this.received, completion, new Date().toISOString());
    if (lastLevel.processors.includes(completion.processor) && completion.status !== 'failed') {
      this.players = playersFrom(completion);
    }
  }

  backfillRequested(): void {
    this.backfill = true;
  }

  /** An operator or a rerun pushed the cascade on to a level (the furthest push counts). */
  pushedOn(push: PushLevel): void {
    if (!this.pushed || push.level > this.pushed.level) this.pushed = push;
  }

  // ── Steps ────────────────────────────────────────────────────────────────────────────────────

  /** Publishes the level's trigger once (a continued run finds it fired) and tells the date's run. */
  async fire({ level, processors }: Phase4Level): Promise<void> {
    const { input, pushed } = this;
    const upstream =
      level === 1
        ? phaseDefinition('phase3').processors.length
        : levelsUpTo(level - 1).flatMap((l) => l.processors).length;
    const step = await fireOnce(
      this.fired,
      triggerKeys.phase4Level(level),
      this.backfill,
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
    await this.run.signal(stepFiredSignal, step);
  }

  /** Waits until the level is done (or pushed past); false when the history grew long first. */
  async waitForLevel(level: number): Promise<boolean> {
    await wf.condition(() => this.levelDone(level) || historyTooLong());
    return this.levelDone(level);
  }

  /** Tells the date's run phase 4 is done, with level 3's player counts. */
  async reportDone(): Promise<void> {
    await this.run.signal(phase4DoneSignal, this.players);
  }

  /** What a new run of the cascade carries on with. */
  carried(): Phase4CascadeInput {
    const { received, backfill, fired, players, pushed } = this;
    return { ...this.input, received, backfill, fired, players, pushed };
  }

  /** Every level up to this one complete, or an operator pushed the cascade on past it. */
  private levelDone(level: number): boolean {
    const complete = levelsUpTo(level).every((l) => levelProgress(l.level, this.received).complete);
    return complete || (this.pushed?.level ?? 0) > level;
  }
}

function playersFrom(completion: Completion): Phase4Done {
  const count = (key: string) => {
    const value = completion.metadata?.[key];
    return typeof value === 'number' ? value : null;
  };
  return { playersReady: count('players_ready'), playersTotal: count('players_total') };
}
