// What phase 5 reads from BigQuery, bounded by the deadline each read serves, and the SLA check.
import * as wf from '@temporalio/workflow';
import type { ScheduleActivities } from '../schedule/activities';
import type { Phase5Activities } from './activities';
import { pipeline } from '../pipeline/definition';
import { failureMessage } from '../temporal/failure';
import { sendAlert } from '../alerts/workflow';

/**
 * Phase 5's reads retry until the deadline they serve makes them moot, so a BigQuery outage of
 * any length short of that deadline loses nothing; past it the step goes on without the answer.
 */
export function readsUntil(deadline: number) {
  return wf.proxyActivities<Phase5Activities & ScheduleActivities>({
    startToCloseTimeout: '2 minutes',
    scheduleToCloseTimeout: Math.max(10_000, deadline - Date.now()),
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
}

/** The SLA: coverage under the minimum (or unknown) at the check is a critical alert. */
export async function checkSla(gameDate: string, correlationId: string | null, checkAt: number): Promise<void> {
  const schedule = pipeline.phase5;
  const coverage = await readsUntil(checkAt + schedule.backupWaitsUpTo)
    .predictionCoverage(gameDate)
    .catch((error: unknown) => failureMessage(error));
  const unknown = typeof coverage === 'string';
  if (unknown || coverage.pct < schedule.slaMinCoveragePct) {
    await sendAlert({
      kind: 'sla',
      severity: 'critical',
      title: unknown
        ? `Predictions coverage unknown at the SLA check: BigQuery did not answer`
        : `Predictions cover ${coverage.pct}% of players, under the ${schedule.slaMinCoveragePct}% SLA`,
      game_date: gameDate,
      correlation_id: correlationId,
      details: {
        ...(unknown ? { error: coverage } : coverage),
        checked_at: schedule.slaCheckAt,
        time_zone: schedule.timeZone,
      },
    }).catch((error: unknown) =>
      wf.log.error('SLA alert not delivered', { game_date: gameDate, error: failureMessage(error) }),
    );
  }
}
