// The two halves of sending an alert, shared by the worker's activities and the bridge: raising it
// once per id by starting its own workflow, and delivering it to one route at a time (a structured
// log line always, Slack and PagerDuty when configured), so a route that is down holds up no other.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { errorMessage } from '../platform/errors';
import {
  alertKindOf,
  alertWorkflowId,
  pagerDutyEvent,
  routesFor,
  slackMessage,
  type Alert,
  type AlertAction,
  type AlertRoute,
} from './alert';

export interface AlertRoutes {
  /** Slack incoming webhook (or any endpoint taking Slack's format). */
  slackWebhookUrl?: string;
  pagerDuty?: { routingKey: string; eventsUrl: string };
}

export type AlertSent = { outcome: 'raised' | 'deduplicated'; workflowId: string };

/** What one route did with an alert: sent, or not configured on this process. */
export type RouteOutcome = 'delivered' | 'not-configured';

/** The workflow that says an alert's condition has cleared: its own id, next to the alert's. */
export const resolveWorkflowId = (alert: Alert): string => `${alertWorkflowId(alert)}-resolved`;

/**
 * Starts the alert's workflow on `taskQueue`, whose worker delivers it. While that workflow runs or
 * after it delivered, a second start is `deduplicated`; after it failed (a route stayed down), the
 * id is free again, so the next alert of that kind and date goes out.
 */
export async function startAlertWorkflow(
  client: Client,
  taskQueue: string,
  alert: Alert,
  action: AlertAction = 'trigger',
): Promise<AlertSent> {
  const workflowId = action === 'trigger' ? alertWorkflowId(alert) : resolveWorkflowId(alert);
  try {
    await client.workflow.start('alertWorkflow', {
      workflowId,
      taskQueue,
      args: [alert, action],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
    return { outcome: 'raised', workflowId };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return { outcome: 'deduplicated', workflowId };
  }
}

/** Delivers the alert to one route; a failure throws (the caller retries that route alone). */
export async function deliverToRoute(
  route: AlertRoute,
  alert: Alert,
  routes: AlertRoutes,
  log: Logger,
  action: AlertAction = 'trigger',
): Promise<RouteOutcome> {
  switch (route) {
    case 'log': {
      const level =
        action === 'resolve'
          ? 'info'
          : alert.severity === 'critical'
            ? 'error'
            : alert.severity === 'warning'
              ? 'warn'
              : 'info';
      const title = action === 'resolve' ? `resolved: ${alert.title}` : alert.title;
      log[level]({ alert: alert.severity, kind: alertKindOf(alert), action, ...alert }, title);
      return 'delivered';
    }
    case 'slack':
      if (!routes.slackWebhookUrl) return 'not-configured';
      await post(routes.slackWebhookUrl, slackMessage(alert), 'Slack webhook');
      return 'delivered';
    case 'pagerduty':
      if (!routes.pagerDuty) return 'not-configured';
      await post(routes.pagerDuty.eventsUrl, pagerDutyEvent(alert, routes.pagerDuty.routingKey, action), 'PagerDuty');
      return 'delivered';
  }
}

export interface DirectDelivery {
  /** Routes that have the alert, from this call or an earlier one. */
  delivered: AlertRoute[];
  /** Routes still failing after the attempts, with their last error. */
  failed: { route: AlertRoute; error: string }[];
}

/**
 * Delivers to every route of the alert without Temporal (the bridge, while Temporal is down): each
 * route tried `attempts` times on its own, and a route in `alreadyDelivered` is not sent again.
 */
export async function deliverDirectly(
  alert: Alert,
  routes: AlertRoutes,
  log: Logger,
  options: { action?: AlertAction; attempts: number; alreadyDelivered?: ReadonlySet<AlertRoute>; firstWaitMs?: number },
): Promise<DirectDelivery> {
  const action = options.action ?? 'trigger';
  const firstWaitMs = options.firstWaitMs ?? 1000;
  const pending = routesFor(alert, action).filter((route) => !options.alreadyDelivered?.has(route));
  const results = await Promise.all(
    pending.map(async (route) => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await deliverToRoute(route, alert, routes, log, action);
          return { route };
        } catch (error) {
          if (attempt >= options.attempts) return { route, error: errorMessage(error) };
          await new Promise((resolve) => setTimeout(resolve, firstWaitMs * 2 ** (attempt - 1)));
        }
      }
    }),
  );
  return {
    delivered: [
      ...(options.alreadyDelivered ?? []),
      ...results.filter((r) => r.error === undefined).map((r) => r.route),
    ],
    failed: results.flatMap((r) => (r.error === undefined ? [] : [{ route: r.route, error: r.error }])),
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
