// Every alert a workflow raises goes through here. `sendAlert` deduplicates per (kind, date) by
// starting the alert's own workflow, whose id Temporal refuses to start twice (within the
// namespace's retention), so the record survives worker restarts. That workflow then calls
// `deliverAlert`. The bridge raises its own alerts through the same two calls (src/bridge/alerts.ts).
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Alert } from '../alerts/alert';
import { deliverToRoutes, startAlertWorkflow, type AlertRoutes, type AlertSent } from '../alerts/send';
import { log } from '../log';

export type { Alert } from '../alerts/alert';
export type { AlertRoutes, AlertSent } from '../alerts/send';

export function createAlertActivities(client: Client, routes: AlertRoutes) {
  return {
    /** Raises the alert once per (kind, date); a repeat is logged at debug level and dropped. */
    async sendAlert(alert: Alert): Promise<AlertSent> {
      const sent = await startAlertWorkflow(client, Context.current().info.taskQueue, alert);
      if (sent.outcome === 'deduplicated') {
        log.debug({ workflow_id: sent.workflowId, game_date: alert.game_date }, 'alert already raised');
      }
      return sent;
    },

    /** Delivers to every configured route; a failed route throws, so Temporal retries it. */
    async deliverAlert(alert: Alert): Promise<void> {
      await deliverToRoutes(alert, routes, log);
    },
  };
}
