// Slack and PagerDuty, played by one local HTTP server: the worker and the bridge post their alerts
// here, each route can be made to answer 500 (down, revoked, rate-limited), and every attempt is
// recorded, so a scenario can count the pages that should have gone out against those that did.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = 'slack' | 'pagerduty';

export interface Attempt {
  route: Route;
  at: number;
  /** What the receiver answered: 200 when the route was up. */
  status: number;
  /** Slack's `text`, or PagerDuty's summary: title and game date. */
  text: string;
  /** PagerDuty's `event_action` (trigger, resolve); undefined for Slack. */
  action?: string;
  body: unknown;
}

export interface AlertReceiver {
  /** The variables that point the worker and the bridge at it. */
  env: { ALERT_WEBHOOK_URL: string; PAGERDUTY_ROUTING_KEY: string; PAGERDUTY_EVENTS_URL: string };
  attempts: Attempt[];
  /** Takes a route down (it answers 500) or brings it back. */
  setUp(route: Route, up: boolean): void;
  close(): Promise<void>;
}

export async function startAlertReceiver(): Promise<AlertReceiver> {
  const attempts: Attempt[] = [];
  const up: Record<Route, boolean> = { slack: true, pagerduty: true };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const route: Route = request.url?.startsWith('/pagerduty') ? 'pagerduty' : 'slack';
      const body = parse(Buffer.concat(chunks).toString('utf8'));
      const status = up[route] ? (route === 'pagerduty' ? 202 : 200) : 500;
      attempts.push({ route, at: Date.now(), status, text: textOf(body), action: actionOf(body), body });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(status < 300 ? '{"status":"success"}' : '{"error":"the fault suite took this route down"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    env: {
      ALERT_WEBHOOK_URL: `${base}/slack`,
      PAGERDUTY_ROUTING_KEY: 'faults-routing-key',
      PAGERDUTY_EVENTS_URL: `${base}/pagerduty/v2/enqueue`,
    },
    attempts,
    setUp(route, isUp) {
      up[route] = isUp;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Attempts on `route` that carry `token` as a whole word (`both-down` is not `both-down-warning`);
 * `delivered` keeps those answered 2xx.
 */
export function attemptsFor(
  receiver: Pick<AlertReceiver, 'attempts'>,
  route: Route,
  token: string,
  delivered = false,
): Attempt[] {
  const whole = new RegExp(`(?<![\\w-])${escapeRegExp(token)}(?![\\w-])`);
  return receiver.attempts.filter(
    (a) => a.route === route && whole.test(a.text) && (!delivered || (a.status >= 200 && a.status < 300)),
  );
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;

/** Everything human-readable the alert carries, whatever the route's format. */
function textOf(body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function actionOf(body: unknown): string | undefined {
  const action = field(body, 'event_action');
  return typeof action === 'string' ? action : undefined;
}
