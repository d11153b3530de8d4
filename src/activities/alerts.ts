// Every alert goes through here. `sendAlert` deduplicates per (kind, date) by starting the alert's
// own workflow, whose id Temporal refuses to start twice (within the namespace's retention), so
// the record survives worker restarts. That workflow then calls `deliverAlert`: a structured log
// line always, Slack and PagerDuty when configured.
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { alertKindOf, alertWorkflowId, pagerDutyEvent, slackMessage, type Alert } from '../alerts/alert';
import { log } from '../log';

export type { Alert } from '../alerts/alert';

export interface AlertRoutes {
  /** Slack incoming webhook (or any endpoint taking Slack's format). */
  slackWebhookUrl?: string;
  pagerDuty?: { routingKey: string; eventsUrl: string };
}

export type AlertSent = { outcome: 'raised' | 'deduplicated'; workflowId: string };

export function createAlertActivities(client: Client, routes: AlertRoutes) {
  return {
    /** Raises the alert once per (kind, date); a repeat is logged at debug level and dropped. */
    async sendAlert(alert: Alert): Promise<AlertSent> {
      const workflowId = alertWorkflowId(alert);
      try {
        await client.workflow.start('alertWorkflow', {
          workflowId,
          taskQueue: Context.current().info.taskQueue,
          args: [alert],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        return { outcome: 'raised', workflowId };
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        log.debug({ workflow_id: workflowId, game_date: alert.game_date }, 'alert already raised');
        return { outcome: 'deduplicated', workflowId };
      }
    },

    /** Delivers to every configured route; a failed route throws, so Temporal retries it. */
    async deliverAlert(alert: Alert): Promise<void> {
      const level = alert.severity === 'critical' ? 'error' : alert.severity === 'warning' ? 'warn' : 'info';
      log[level]({ alert: alert.severity, kind: alertKindOf(alert), ...alert }, alert.title);
      if (routes.slackWebhookUrl) await post(routes.slackWebhookUrl, slackMessage(alert), 'Slack webhook');
      // PagerDuty pages a person: critical alerts only.
      if (routes.pagerDuty && alert.severity === 'critical') {
        await post(routes.pagerDuty.eventsUrl, pagerDutyEvent(alert, routes.pagerDuty.routingKey), 'PagerDuty');
      }
    },
  };
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
