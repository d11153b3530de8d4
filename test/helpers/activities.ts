// Activities for a test worker that record what a run asked for instead of reaching Pub/Sub or the
// alert routes; the real ones are tested against the emulators in their own integration tests.
import type { Client } from '@temporalio/client';
import { createAlertActivities, type Alert, type AlertSent } from '../../src/alerts/activities';
import type { TriggerRequest } from '../../src/messages/trigger';
import type { Activities } from '../../src/worker/activities';

export interface RecordingOptions {
  /** Runs before a trigger is recorded: throw to refuse it, wait to hold it back. */
  onPublish?: (request: TriggerRequest) => void | Promise<void>;
  /** Runs before an alert is recorded: throw to fail its route. */
  onAlert?: (alert: Alert) => void | Promise<void>;
  /**
   * Alerts go through the real `sendAlert` (the alert's own workflow, once per kind and date) with
   * this client, and `delivered` records what reached the log route.
   */
  alertClient?: () => Client;
}

export interface RecordingActivities {
  /** To spread into the worker's activities; a test's own entries after it override them. */
  activities: Partial<Activities>;
  /** Every trigger published, in order. */
  published: TriggerRequest[];
  /** Every alert raised, in order (with `alertClient`, before the per-day dedupe). */
  alerts: Alert[];
  /** With `alertClient`: the alerts delivered to the log route. */
  delivered: Alert[];
  /** The triggers published on `topic`. */
  triggersOn: (topic: string) => TriggerRequest[];
  /** The triggers published for `date`, on `topic` when given. */
  triggersFor: (date: string, topic?: string) => TriggerRequest[];
  /** The alerts raised for `date`. */
  alertsFor: (date: string) => Alert[];
}

export function recordingActivities(options: RecordingOptions = {}): RecordingActivities {
  const published: TriggerRequest[] = [];
  const alerts: Alert[] = [];
  const delivered: Alert[] = [];
  const { onPublish, onAlert, alertClient } = options;

  const publishTrigger = async (request: TriggerRequest): Promise<string> => {
    await onPublish?.(request);
    published.push(request);
    return `message-${published.length}`;
  };
  const sendAlert = async (alert: Alert): Promise<AlertSent> => {
    await onAlert?.(alert);
    alerts.push(alert);
    if (alertClient) return createAlertActivities(alertClient(), {}).sendAlert(alert);
    return { outcome: 'raised', workflowId: `alert-${alerts.length}` };
  };
  const deliverAlertRoute = ({ route, alert }: { route: string; alert: Alert }) => {
    if (route === 'log') delivered.push(alert);
    return Promise.resolve('delivered' as const);
  };

  return {
    activities: alertClient ? { publishTrigger, sendAlert, deliverAlertRoute } : { publishTrigger, sendAlert },
    published,
    alerts,
    delivered,
    triggersOn: (topic) => published.filter((p) => p.topic === topic),
    triggersFor: (date, topic) =>
      published.filter((p) => p.message.game_date === date && (topic === undefined || p.topic === topic)),
    alertsFor: (date) => alerts.filter((a) => a.game_date === date),
  };
}
