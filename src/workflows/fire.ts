// Publishing a trigger at most once per key, shared by the game-day run and its children.
import * as wf from '@temporalio/workflow';
import type { Trigger } from '../messages/trigger';
import { gameDayTriggerId } from '../pipeline/ids';
import type { Activities } from '../activities';
import { countTrigger } from './pipeline-metrics';
import { untilItWorks } from './retry';
import type { StepFired } from './signals';

export const { publishTrigger } = wf.proxyActivities<Activities>({
  // Above the Pub/Sub client's own publish timeout (20 s), so an attempt never outlives its activity.
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '10 seconds',
  // A trigger must go out eventually.
  retry: untilItWorks,
});

/** A trigger before it is stamped with its id and time. */
export type Unstamped<T> = T extends unknown ? Omit<T, 'trigger_id' | 'timestamp'> : never;

/**
 * Publishes `message` on `topic` unless `key` already fired; in backfill it records the step as
 * skipped and publishes nothing. The trigger id is stable per date and key.
 */
export async function fireOnce(
  fired: Record<string, StepFired>,
  key: string,
  backfill: boolean,
  topic: string,
  message: Unstamped<Trigger>,
): Promise<StepFired> {
  const before = fired[key];
  if (before) return before;
  const step: StepFired = {
    key,
    triggerId: gameDayTriggerId(message.game_date, key),
    firedAt: new Date().toISOString(),
    skipped: backfill,
  };
  if (!backfill) {
    await publishTrigger({
      topic,
      message: { ...message, trigger_id: step.triggerId, timestamp: step.firedAt },
    });
    countTrigger(message.phase, message.trigger_source);
  }
  fired[key] = step;
  return step;
}
