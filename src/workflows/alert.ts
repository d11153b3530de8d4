// One alert, delivered. Its workflow id is the alert's (kind, date): started once, so it is sent once.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Alert } from '../alerts/alert';
import { aFewTimes } from './retry';

const { deliverAlert } = wf.proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: aFewTimes });

/** How every workflow raises an alert: the activity starts the alert's own workflow, once per (kind, date). */
export const { sendAlert } = wf.proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: aFewTimes });

export async function alertWorkflow(alert: Alert): Promise<void> {
  await deliverAlert(alert);
}
