// The two halves of sending an alert, shared by the worker's activities and the bridge: raising it
// once per (kind, date) by starting its own workflow, which Temporal refuses to start twice, and
// delivering it to the routes (a structured log line always, Slack and PagerDuty when configured).
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { alertKindOf, alertWorkflowId, pagerDutyEvent, slackMessage, type Alert } from './alert';

export interface AlertRoutes {
  /** Slack incoming webhook (or any endpoint taking Slack's format). */
  slackWebhookUrl?: string;
  pagerDuty?: { routingKey: string; eventsUrl: string };
}

export type AlertSent = { outcome: 'raised' | 'deduplicated'; workflowId: string };

/** Starts `alert-<kind>-<date>` on `taskQueue`, whose worker delivers it; a second start is `deduplicated`. */
export async function startAlertWorkflow(client: Client, taskQueue: string, alert: Alert): Promise<AlertSent> {
  const workflowId = alertWorkflowId(alert);
  try {
    await client.workflow.start('alertWorkflow', {
      workflowId,
      taskQueue,
      args: [alert],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return { outcome: 'raised', workflowId };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return { outcome: 'deduplicated', workflowId };
  }
}

/** Delivers to every configured route; a failed route throws (the caller retries). */
export async function deliverToRoutes(alert: Alert, routes: AlertRoutes, log: Logger): Promise<void> {
  const level = alert.severity === 'critical' ? 'error' : alert.severity === 'warning' ? 'warn' : 'info';
  log[level]({ alert: alert.severity, kind: alertKindOf(alert), ...alert }, alert.title);
  if (routes.slackWebhookUrl) await post(routes.slackWebhookUrl, slackMessage(alert), 'Slack webhook');
  // PagerDuty pages a person: critical alerts only.
  if (routes.pagerDuty && alert.severity === 'critical') {
    await post(routes.pagerDuty.eventsUrl, pagerDutyEvent(alert, routes.pagerDuty.routingKey), 'PagerDuty');
  }
}

async function post(url: string, body: unknown, route: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`${route} answered ${response.status}`);
}
