// The daily watch, started by its Schedules: the health check and the reconcile, each alerting on
// what it finds. Alerts are raised per (kind, date), so a date stuck for days pages once.
import * as wf from '@temporalio/workflow';
import type { WatchActivities } from './activities';
import type { AlertSent } from '../alerts/activities';
import type { Alert } from '../alerts/alert';
import { problemSeverity, type HealthProblem, type HealthReport } from './rules';
import { pipeline } from '../pipeline/definition';
import type { ReconciledDate } from './reconcile';
import { aFewTimes } from '../temporal/activity-options';
import { scheduledOrStartTime } from '../temporal/scheduled-time';
import { calendarDateIn, timeZones } from '../time';
import { sendAlert } from '../alerts/workflow';

const { checkHealth, reconcileDates } = wf.proxyActivities<WatchActivities>({
  startToCloseTimeout: '5 minutes',
  retry: aFewTimes,
});

/** The watch's own date: problems without a game date are raised once per day. */
const watchDate = () => calendarDateIn(timeZones.eastern, scheduledOrStartTime());

export async function healthWorkflow(): Promise<{ report: HealthReport; alerts: AlertSent[] }> {
  // Judged on the workflow's clock, the one the runs' deadlines run on.
  const report = await checkHealth(new Date().toISOString());
  const today = watchDate();
  const groups = new Map<string, HealthProblem[]>();
  for (const problem of report.problems) {
    const key = `${problem.kind} ${problem.game_date ?? today}`;
    groups.set(key, [...(groups.get(key) ?? []), problem]);
  }
  const alerts: Alert[] = [...groups.values()].map((problems) => {
    const first = problems[0]!;
    return {
      kind: first.kind,
      severity: problemSeverity[first.kind],
      title: problems.length === 1 ? `${first.kind}: ${first.detail}` : `${first.kind}: ${problems.length} problems`,
      game_date: first.game_date ?? today,
      details: { problems: problems.map((p) => p.detail) },
    };
  });
  alerts.push({
    kind: 'daily-summary',
    severity: 'info',
    title: report.healthy
      ? 'Pipeline healthy'
      : `Pipeline unhealthy: ${report.problems.length} problems (${[...new Set(report.problems.map((p) => p.kind))].join(', ')})`,
    game_date: today,
    details: { problems: report.problems.length, checked_at: report.checked_at },
  });
  return { report, alerts: await Promise.all(alerts.map((alert) => sendAlert(alert))) };
}

/** Hands lost completions to their runs, and says so: a lost message is worth knowing about. */
export async function reconcileWorkflow(): Promise<{ report: ReconciledDate[]; alerts: AlertSent[] }> {
  const report = await reconcileDates({
    days: pipeline.watch.reconcileDays,
    fix: true,
    at: new Date().toISOString(),
  });
  const alerts = report
    .filter((date) => date.missing.length > 0)
    .map((date): Alert => ({
      kind: 'lost-completions',
      severity: 'warning',
      title: `${date.missing.length} completions never arrived; ${date.missing.filter((m) => m.fix === 'handed-over').length} handed to the run`,
      game_date: date.game_date,
      details: { missing: date.missing.map((m) => `${m.phase} ${m.processor} → ${m.fix ?? 'not fixed'}`) },
    }));
  return { report, alerts: await Promise.all(alerts.map((alert) => sendAlert(alert))) };
}
