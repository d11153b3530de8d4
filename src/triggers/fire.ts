// Publishing a trigger at most once per key, shared by the game-day run and its children.
import * as wf from '@temporalio/workflow';
import type { Trigger, Unstamped } from '../messages/trigger';
import { gameDayTriggerId } from '../pipeline/ids';
import type { PublishActivities } from './publish';
import { countTrigger } from './pipeline-metrics';
import { publishing } from '../temporal/activity-options';
import type { StepFired } from '../date-run/signals';

export const { publishTrigger } = wf.proxyActivities<PublishActivities>(publishing);

/**
 * Publishes `message` on `topic` unless `key` already fired; in backfill it records the step as
 * skipped and publishes nothing. The trigger id is stable per date and key (a rerun's `scope`,
 * `rerun-<n>`, comes between them).
 */
export async function fireOnce(
  fired: Record<string, StepFired>,
  key: string,
  backfill: boolean,
  topic: string,
  message: Unstamped<Trigger>,
  scope?: string,
): Promise<StepFired> {
  const before = fired[key];
  if (before) return before;
  const step: StepFired = {
    key,
    triggerId: gameDayTriggerId(message.game_date, scope ? `${scope}/${key}` : key),
    firedAt: new Date().toISOString(),
    skipped: backfill,
    source: message.trigger_source,
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
