// One durable run per game date: it collects every processor's completion and decides, once,
// when each phase is complete and the next one may start.
import { msToNumber } from '@temporalio/common/lib/time';
import * as wf from '@temporalio/workflow';
import type { Completion } from '../messages/completion';
import { triggerIdFor, type Trigger } from '../messages/trigger';
import { pipeline, type PhaseKey } from '../pipeline/definition';
import type { Activities } from '../activities';
import { levelProgress, phaseProgress, recordDelivery, type Received } from './progress';
import { BackfillMode, CorrelationId, GameDate, PipelinePhase } from './search-attributes';
import { statusOf, type FiredTrigger, type GameDayStatus } from './status';

export interface GameDayInput {
  gameDate: string;
  /** Carried across continue-as-new; absent on the first run. */
  state?: GameDayState;
}

export interface GameDayState {
  gameDate: string;
  openedAt: string;
  correlationId?: string;
  backfill: boolean;
  received: Received;
  triggers: Record<string, FiredTrigger>;
  waitingOn: string;
  deliveriesSeen: number;
}

/** A trigger before the workflow stamps its id and time. */
type Unstamped<T> = T extends unknown ? Omit<T, 'trigger_id' | 'timestamp'> : never;

export type GameDayOutcome = 'completed' | 'expired';

export const completionSignal = wf.defineSignal<[Completion]>('completion');
/** Opens the date's run with no completion, so its deadlines run even if no message ever arrives. */
export const openSignal = wf.defineSignal('open');
export const statusQuery = wf.defineQuery<GameDayStatus>('status');

const { publishTrigger } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // A trigger must go out eventually: retry until Pub/Sub takes it, backing off to once a minute.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function gameDayWorkflow(input: GameDayInput): Promise<GameDayOutcome> {
  const state: GameDayState = input.state ?? {
    gameDate: input.gameDate,
    openedAt: new Date().toISOString(),
    backfill: false,
    received: {},
    triggers: {},
    waitingOn: 'phase2',
    deliveriesSeen: 0,
  };
  const workflowId = wf.workflowInfo().workflowId;
  const deadline = Date.parse(state.openedAt) + msToNumber(pipeline.lifetime.maxOpenDuration);

  wf.setHandler(completionSignal, (completion) => record(completion));
  wf.setHandler(openSignal, () => undefined);
  wf.setHandler(statusQuery, () => statusOf(state));

  function record(completion: Completion): void {
    state.deliveriesSeen += 1;
    if (!recordDelivery(state.received, completion, new Date().toISOString())) return;
    if (!state.correlationId && completion.correlationId) {
      state.correlationId = completion.correlationId;
      wf.upsertSearchAttributes([{ key: CorrelationId, value: completion.correlationId }]);
    }
    if (completion.skipDownstreamTrigger && !state.backfill) {
      state.backfill = true;
      wf.upsertSearchAttributes([{ key: BackfillMode, value: true }]);
    }
  }

  /** Waits until `ready`; false when the date's time ran out first. Continues as new on a long history. */
  async function waitUntil(ready: () => boolean): Promise<boolean> {
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return ready();
      const settled = await wf.condition(() => ready() || historyTooLong(), remaining);
      if (ready()) return true;
      if (!settled) return false;
      await wf.condition(wf.allHandlersFinished);
      await wf.continueAsNew<typeof gameDayWorkflow>({ gameDate: state.gameDate, state });
    }
  }

  async function fire(key: string, topic: string, message: Unstamped<Trigger>): Promise<void> {
    if (state.triggers[key]) return; // fired before continue-as-new
    const firedAt = new Date().toISOString();
    const triggerId = triggerIdFor(workflowId, key);
    if (!state.backfill) {
      await publishTrigger({ topic, message: { ...message, trigger_id: triggerId, timestamp: firedAt } as Trigger });
    }
    state.triggers[key] = { triggerId, firedAt, skipped: state.backfill };
  }

  function waitingOn(phase: string): void {
    state.waitingOn = phase;
    wf.upsertSearchAttributes([{ key: PipelinePhase, value: phase }]);
  }

  wf.upsertSearchAttributes([
    { key: GameDate, value: state.gameDate },
    { key: PipelinePhase, value: state.waitingOn },
  ]);

  // Phase 2 → 3: all 21 raw processors complete, then one phase 3 trigger.
  if (!(await waitUntil(() => phaseProgress('phase2', state.received).complete))) return expire();
  await fire('phase3', pipeline.topics.phase3Trigger, {
    game_date: state.gameDate,
    correlation_id: state.correlationId ?? null,
    trigger_source: 'orchestrator',
    triggered_by: pipeline.triggeredBy.phase3,
    upstream_processors_count: phaseProgress('phase2', state.received).completed.length,
    phase: 'phase3',
  });
  waitingOn('phase3');

  // Phase 3 → 4: all 5 analytics processors complete, then phase 4 level 1.
  if (!(await waitUntil(() => phaseProgress('phase3', state.received).complete))) return expire();
  await triggerPhase4Level(1, phaseProgress('phase3', state.received).completed.length);
  waitingOn('phase4');

  // Later levels of the phase 4 cascade and phases 5–6 continue the story here.

  await closeWhenQuiet();
  waitingOn('closed');
  return 'completed';

  async function triggerPhase4Level(level: number, upstreamCount: number): Promise<void> {
    const processors = levelProgress(level, state.received).expected;
    await fire(`phase4/${level}`, pipeline.topics.phase4Trigger, {
      game_date: state.gameDate,
      correlation_id: state.correlationId ?? null,
      trigger_source: 'orchestrator',
      triggered_by: pipeline.triggeredBy.phase4,
      upstream_processors_count: upstreamCount,
      phase: 'phase4',
      level,
      processors,
    });
  }

  /** Stays open while deliveries keep arriving (late duplicates), then lets the date close. */
  async function closeWhenQuiet(): Promise<void> {
    const quiet = msToNumber(pipeline.lifetime.quietPeriodAfterLastTrigger);
    for (;;) {
      const seen = state.deliveriesSeen;
      const heardMore = await wf.condition(() => state.deliveriesSeen !== seen || historyTooLong(), quiet);
      if (!heardMore) return;
      if (historyTooLong()) {
        await wf.condition(wf.allHandlersFinished);
        await wf.continueAsNew<typeof gameDayWorkflow>({ gameDate: state.gameDate, state });
      }
    }
  }

  function expire(): GameDayOutcome {
    wf.log.warn('game day closed before completing', { game_date: state.gameDate, waiting_on: state.waitingOn });
    waitingOn('expired');
    return 'expired';
  }
}

function historyTooLong(): boolean {
  const info = wf.workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= pipeline.lifetime.continueAsNewAfterEvents;
}
