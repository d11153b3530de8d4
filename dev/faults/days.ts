// Driving many game days through the real stack, step by step as the processors would: publish a
// step's completions for every date (each delivered several times, all shuffled together), wait
// for the trigger each date should answer with, then the next step for the dates that got it.
// A driven date is a night: its results (phases 2, 3) are handed over to the slate of the next day
// (phases 4, 5, 6), which its later steps drive.
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { addDays } from '../../src/time';
import { pipeline } from '../../src/pipeline/definition';
import { gameDayTriggerId } from '../../src/pipeline/ids';
import { phaseCompletions, withAnnouncements, type SimulatedMessage } from '../simulate/day';
import { logSize } from './log-tail';
import { triggerKey, type Observer, type TriggerKey } from './observer';
import type { Random } from './random';
import type { FaultStack } from './stack';
import { settle } from './tally';

export interface Step {
  name: string;
  /** What the processors publish for the date at this step. */
  messages(gameDate: string): SimulatedMessage[];
  /** What the orchestrator answers with, once per date: topic, trigger key, and whether the slate's run answers. */
  answers: { topic: string; key: string; slate?: boolean }[];
}

/** The slate a night's results are handed over to: the next day (the suite's dates leave it free). */
export const slateOf = (night: string): string => addDays(night, 1);

const day = (gameDate: string) => ({ gameDate, correlationId: `faults-${gameDate}`, duplicates: 0 });
const level = (n: number, metadata?: Record<string, unknown>) => (night: string) =>
  phaseCompletions('phase4', { ...day(slateOf(night)), only: pipeline.phase4Levels[n - 1]!.processors, metadata });

/** The prediction coordinator's completion at 95 %: through the 5→6 gate. */
export function predictionsComplete(gameDate: string): SimulatedMessage[] {
  const batch = `batch_${gameDate}_faults`;
  return [
    {
      topic: 'nba-phase5-predictions-complete',
      message: {
        processor_name: 'PredictionCoordinator',
        phase: 'phase_5_predictions',
        execution_id: batch,
        correlation_id: day(gameDate).correlationId,
        game_date: gameDate,
        status: 'success',
        record_count: 114,
        metadata: { batch_id: batch, expected_predictions: 120, completed_predictions: 114, completion_pct: 95 },
      },
    },
  ];
}

const { topics } = pipeline;
/** The day in order; the first five take a date through the phase 5 start, the sixth through the exports. */
export const steps: readonly Step[] = [
  {
    name: 'phase2',
    messages: (d) => phaseCompletions('phase2', day(d)),
    answers: [{ topic: topics.phase3Trigger, key: 'phase3' }],
  },
  {
    name: 'phase3',
    messages: (d) => phaseCompletions('phase3', day(d)),
    // The results, complete, are handed over: the slate's phase 4 starts.
    answers: [{ topic: topics.phase4Trigger, key: 'phase4/1', slate: true }],
  },
  { name: 'phase4/1', messages: level(1), answers: [{ topic: topics.phase4Trigger, key: 'phase4/2', slate: true }] },
  { name: 'phase4/2', messages: level(2), answers: [{ topic: topics.phase4Trigger, key: 'phase4/3', slate: true }] },
  {
    name: 'phase4/3',
    // ml_feature_store_v2 also announces itself on nba-phase4-precompute-complete: still one start.
    messages: (d) => withAnnouncements(level(3, { players_ready: 114, players_total: 120 })(d)),
    answers: [{ topic: topics.phase5Start, key: 'phase5', slate: true }],
  },
  {
    name: 'phase5',
    messages: (d) => predictionsComplete(slateOf(d)),
    answers: [
      { topic: topics.phase6ExportTrigger, key: 'phase6', slate: true },
      { topic: topics.phase6ExportComplete, key: 'phase6', slate: true },
    ],
  },
];
export const THROUGH_PHASE5_START = 5;
export const THROUGH_EXPORTS = 6;

export const answerKeys = (night: string, step: Step): TriggerKey[] =>
  step.answers.map((a) => triggerKey(a.topic, gameDayTriggerId(a.slate ? slateOf(night) : night, a.key)));

export function expectedTriggers(gameDate: string, stepCount: number): TriggerKey[] {
  return steps.slice(0, stepCount).flatMap((step) => answerKeys(gameDate, step));
}

/** Past nights every other day (no wall-clock deadlines apply), each with its slate the day after; never a date twice in a run. */
export function dateSource(first = '2023-10-01'): (count: number) => string[] {
  let next = first;
  return (count) =>
    Array.from({ length: count }, () => {
      const date = next;
      next = addDays(next, 2);
      return date;
    });
}

export interface DriveOptions {
  dates: readonly string[];
  /** How many steps each date goes through (THROUGH_PHASE5_START, THROUGH_EXPORTS). */
  stepsFor: (gameDate: string) => number;
  /** Each message is published this many times. */
  deliveries: number;
  random: Random;
  /** Give up on a step once nothing happened for this long: no trigger, no line in the processes' logs. */
  idleMs: number;
  /** However busy the processes look, give up on a step after this long. */
  stepAtMostMs: number;
}

export interface Driven {
  expected: TriggerKey[];
  /** Pub/Sub ids of everything published, to tell the scenario's dead letters apart. */
  published: Set<string>;
}

export async function driveDays(stack: FaultStack, observer: Observer, options: DriveOptions): Promise<Driven> {
  const { dates, stepsFor, deliveries, random, idleMs, stepAtMostMs } = options;
  const pubsub = stack.pubsub.pubsub;
  // A big shuffled step takes minutes before its first trigger: the processes' logs show it is moving.
  const activity = () => logSize(stack.bridge.logFile) + logSize(stack.worker.logFile);
  const published = new Set<string>();
  const publisher = topicCache(pubsub);
  const seen = () => new Set(observer.triggers.map((o) => triggerKey(o.topic, o.triggerId ?? '')));
  let active = [...dates];
  for (const [index, step] of steps.entries()) {
    active = active.filter((date) => stepsFor(date) > index);
    if (active.length === 0) break;
    const messages = random.shuffle(
      active.flatMap((date) => step.messages(date)).flatMap((m) => Array<SimulatedMessage>(deliveries).fill(m)),
    );
    const ids = await Promise.all(
      messages.map(({ topic, message }) => publisher(topic).publishMessage({ json: message })),
    );
    ids.forEach((id) => published.add(id));
    const wanted = active.flatMap((date) => answerKeys(date, step));
    const count = () => {
      const now = seen();
      return wanted.filter((key) => now.has(key)).length;
    };
    const giveUpAt = Date.now() + stepAtMostMs;
    await settle(
      () => count() === wanted.length || Date.now() > giveUpAt,
      () => count() + activity(),
      idleMs,
    );
    const now = seen();
    active = active.filter((date) => answerKeys(date, step).every((key) => now.has(key)));
  }
  return { expected: dates.flatMap((date) => expectedTriggers(date, stepsFor(date))), published };
}

function topicCache(pubsub: PubSub): (name: string) => Topic {
  const cache = new Map<string, Topic>();
  return (name) => {
    let topic = cache.get(name);
    if (!topic) cache.set(name, (topic = pubsub.topic(name)));
    return topic;
  };
}
