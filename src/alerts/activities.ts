// Every alert a workflow raises goes through here. `sendAlert` deduplicates per id (kind, date,
// episode) by starting the alert's own workflow, which Temporal will not start again while it runs or
// once it delivered (within the namespace's retention), so the record survives worker restarts. That
// workflow then calls `deliverAlertRoute` once per route. The bridge raises its own alerts through
// the same calls (src/bridge/alerts.ts).
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Alert, AlertAction, AlertRoute } from './alert';
import { deliverToRoute, startAlertWorkflow, type AlertRoutes, type AlertSent, type RouteOutcome } from './send';
import { log } from '../platform/log';

export type { Alert } from './alert';
export type { AlertRoutes, AlertSent } from './send';

export function createAlertActivities(client: Client, routes: AlertRoutes) {
  return {
    /** Raises the alert once per id; a repeat is logged at debug level and dropped. */
    async sendAlert(alert: Alert): Promise<AlertSent> {
      const sent = await startAlertWorkflow(client, Context.current().info.taskQueue, alert);
      if (sent.outcome === 'deduplicated') {
        log.debug({ workflow_id: sent.workflowId, game_date: alert.game_date }, 'alert already raised');
      }
      return sent;
    },

    /** Says the alert's condition has cleared: PagerDuty resolves its incident. */
    async resolveAlert(alert: Alert): Promise<AlertSent> {
      return startAlertWorkflow(client, Context.current().info.taskQueue, alert, 'resolve');
    },

    /** Delivers to one route; a failure throws, so Temporal retries that route alone. */
    async deliverAlertRoute(request: { route: AlertRoute; alert: Alert; action?: AlertAction }): Promise<RouteOutcome> {
      return deliverToRoute(request.route, request.alert, routes, log, request.action);
    },
  };
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
