// Alert routes failing, the way they fail in production: Slack down (a revoked webhook, a 500),
// then PagerDuty down, then both, then both back. Each alert is raised the way every workflow
// raises one (the alert's own workflow, delivered by the worker). A critical alert must page
// whatever Slack does, a route that took an alert is never posted again, and once the routes are
// back every alert raised meanwhile reaches both.
import type { Alert, Severity } from '../../../src/alerts/alert';
import { startAlertWorkflow } from '../../../src/alerts/send';
import { attemptsFor, type AlertReceiver, type Route } from '../alert-receiver';
import { sleep } from '../tally';
import { noFigures } from '../report';
import { sample, scenario, type Scenario } from './context';

/** How long a route that is up may take to get an alert (the worker's first attempt, or its next retry). */
const DELIVERY_MS = 45_000;
/** After the routes are back, the retries' backoff (at most a minute apart) must reach them. */
const RECOVERY_MS = 150_000;

interface Raised {
  label: string;
  token: string;
  severity: Severity;
}

export function alertRoutes(): Scenario {
  const name = 'alert-routes';
  return {
    name,
    run: (ctx) =>
      scenario(name, async () => {
        const { stack } = ctx;
        const receiver = stack.alerts;
        const [date] = ctx.nextDates(1);
        const run = Date.now().toString(36);
        const raised: Raised[] = [];
        const failures: string[] = [];
        const notes: string[] = [];
        const raise = async (label: string, severity: Severity) => {
          const token = `faults-${run}-${label}`;
          const alert: Alert = {
            kind: `faults-${label}`,
            severity,
            title: `fault suite: ${token}`,
            game_date: date!,
            details: { scenario: name },
          };
          await startAlertWorkflow(stack.client, stack.taskQueue, alert);
          raised.push({ label, token, severity });
          return token;
        };
        ctx.say(`${name}: Slack down, PagerDuty down, both down, then both back (game date ${date})`);

        try {
          // 1. Slack down: the critical alert still pages.
          receiver.setUp('slack', false);
          const slackDown = await raise('slack-down', 'critical');
          if (!(await delivered(receiver, 'pagerduty', slackDown, DELIVERY_MS)))
            failures.push(
              `Slack down: PagerDuty never paged within ${DELIVERY_MS / 1000} s (${attemptsFor(receiver, 'pagerduty', slackDown).length} attempts; Slack ${attemptsFor(receiver, 'slack', slackDown).length} failed attempts)`,
            );

          // 2. PagerDuty down: Slack gets the alert once, however often PagerDuty is retried.
          receiver.setUp('slack', true);
          receiver.setUp('pagerduty', false);
          const pagerDutyDown = await raise('pagerduty-down', 'critical');
          const retried = await attempted(receiver, 'pagerduty', pagerDutyDown, 3, DELIVERY_MS);
          if (!retried)
            notes.push(
              `PagerDuty down: ${attemptsFor(receiver, 'pagerduty', pagerDutyDown).length} attempts in ${DELIVERY_MS / 1000} s`,
            );

          // 3. Both down: a critical and a warning.
          receiver.setUp('slack', false);
          await raise('both-down', 'critical');
          const warning = await raise('both-down-warning', 'warning');
          await attempted(receiver, 'slack', warning, 2, DELIVERY_MS);

          // 4. Both back: everything raised meanwhile arrives, once per route.
          receiver.setUp('slack', true);
          receiver.setUp('pagerduty', true);
          const backAt = Date.now();
          const allDelivered = () => raised.every((r) => missingRoutes(receiver, r).length === 0);
          const until = backAt + RECOVERY_MS;
          while (!allDelivered() && Date.now() < until) await sleep(250);
          const recovery = allDelivered() ? Date.now() - backAt : null;
          // A last retry that was already on its way would show up now as a repeat.
          await sleep(3_000);

          const { expected, missing, repeats } = judgeDeliveries(receiver, raised, failures, notes);
          return {
            figures: {
              ...noFigures,
              pages: { expected, delivered: expected - missing.length, repeated: repeats.length },
              recovery_ms: recovery,
            },
            failures,
            notes,
          };
        } finally {
          receiver.setUp('slack', true);
          receiver.setUp('pagerduty', true);
        }
      }),
  };
}

/**
 * What reached each route once the routes were back: failures for an alert never delivered or
 * delivered twice to one route, and a note of every route's attempts.
 */
function judgeDeliveries(
  receiver: AlertReceiver,
  raised: Raised[],
  failures: string[],
  notes: string[],
): { expected: number; missing: string[]; repeats: string[] } {
  const expected = raised.reduce((n, r) => n + routesOf(r).length, 0);
  const missing = raised.flatMap((r) => missingRoutes(receiver, r).map((route) => `${r.label} → ${route}`));
  const repeats = raised.flatMap((r) =>
    routesOf(r).flatMap((route) => {
      const n = attemptsFor(receiver, route, r.token, true).length;
      return n > 1 ? [`${r.label} → ${route} ${n}×`] : [];
    }),
  );
  if (missing.length)
    failures.push(
      `never delivered ${missing.length} of ${expected} (${RECOVERY_MS / 1000} s after the routes came back): ${sample(missing, 6)}`,
    );
  if (repeats.length) failures.push(`delivered again to a route that had taken it: ${sample(repeats, 6)}`);
  for (const r of raised) {
    // Each route's answers in order, with seconds since the alert was raised: a repeat shows when it came.
    const attempts = routesOf(r).map((route) => {
      const all = attemptsFor(receiver, route, r.token);
      const first = all[0]?.at ?? 0;
      return `${route} ${all.length} [${all.map((a) => `${a.status}@${((a.at - first) / 1000).toFixed(1)}s`).join(' ')}]`;
    });
    notes.push(`${r.label} (${r.severity}): attempts ${attempts.join(', ')}`);
  }
  return { expected, missing, repeats };
}

/** PagerDuty pages a person: critical alerts only. Slack takes every alert. */
const routesOf = (r: Raised): Route[] => (r.severity === 'critical' ? ['slack', 'pagerduty'] : ['slack']);

const missingRoutes = (receiver: AlertReceiver, r: Raised): Route[] =>
  routesOf(r).filter((route) => attemptsFor(receiver, route, r.token, true).length === 0);

async function delivered(receiver: AlertReceiver, route: Route, token: string, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (attemptsFor(receiver, route, token, true).length > 0) return true;
    await sleep(100);
  }
  return false;
}

async function attempted(
  receiver: AlertReceiver,
  route: Route,
  token: string,
  times: number,
  withinMs: number,
): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (attemptsFor(receiver, route, token).length >= times) return true;
    await sleep(100);
  }
  return false;
}
