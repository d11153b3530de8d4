// One alert, delivered: each route (log, Slack, PagerDuty) by its own activity with its own retries,
// so a route that is down holds up no other and a route that answered is never sent again. A route
// still failing after its retry window fails the workflow, which frees the alert's id: the next alert
// of that kind and date goes out.
import * as wf from '@temporalio/workflow';
import type { AlertActivities } from './activities';
import { routesFor, type Alert, type AlertAction } from './alert';
import type { RouteOutcome } from './send';
import { aFewTimes } from '../temporal/activity-options';
import { failureMessage } from '../temporal/failure';

const { deliverAlertRoute } = wf.proxyActivities<AlertActivities>({
  startToCloseTimeout: '30 seconds',
  // Long enough to ride out a webhook's short outage, short enough that a later alert is not held back for long.
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' },
});

/** How every workflow raises an alert: the activity starts the alert's own workflow, once per id. */
export const { sendAlert } = wf.proxyActivities<AlertActivities>({
  startToCloseTimeout: '30 seconds',
  retry: aFewTimes,
});

export async function alertWorkflow(
  alert: Alert,
  action: AlertAction = 'trigger',
): Promise<Partial<Record<string, RouteOutcome>>> {
  const routes = routesFor(alert, action);
  const settled = await Promise.allSettled(routes.map((route) => deliverAlertRoute({ route, alert, action })));
  const outcomes: Partial<Record<string, RouteOutcome>> = {};
  const failed: string[] = [];
  settled.forEach((result, i) => {
    if (result.status === 'fulfilled') outcomes[routes[i]!] = result.value;
    else failed.push(`${routes[i]}: ${failureMessage(result.reason)}`);
  });
  if (failed.length > 0) {
    throw wf.ApplicationFailure.nonRetryable(
      `alert not delivered to ${failed.join('; ')}`,
      'AlertNotDelivered',
      outcomes,
    );
  }
  return outcomes;
}
