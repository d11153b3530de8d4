// What an alert is, and how each route spells it: Slack's incoming-webhook message and a PagerDuty
// Events v2 event. Pure module: workflows import the types and ids.

/** Severities (docs/operations.md): critical pages, warning and info go to the channel. */
export type Severity = 'critical' | 'warning' | 'info';

export interface Alert {
  /** What went wrong, e.g. `date-stuck`: alerts are deduplicated per (kind, game date, episode). */
  kind?: string;
  severity: Severity;
  title: string;
  game_date: string;
  /**
   * Which occurrence of the kind on that date, when one date can have several (a burst that starts
   * after the last one ended, an export run): part of the alert's id.
   */
  episode?: string;
  correlation_id?: string | null;
  details?: Record<string, unknown>;
}

/** Alerts raised before kinds existed are told apart by their title. */
export function alertKindOf(alert: Alert): string {
  return (
    alert.kind ??
    `untyped-${alert.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, 60)}`
  );
}

/** One alert per (kind, date, episode): the workflow id, and PagerDuty's dedup key. */
export function alertWorkflowId(alert: Alert): string {
  const episode = alert.episode ? `-${alert.episode.replace(/[^A-Za-z0-9_.-]+/g, '-')}` : '';
  return `alert-${alertKindOf(alert)}-${alert.game_date}${episode}`;
}

/** Raising an alert, or saying its condition has cleared (PagerDuty resolves the incident). */
export type AlertAction = 'trigger' | 'resolve';

/** Where an alert goes; each is delivered and retried on its own. */
export type AlertRoute = 'log' | 'slack' | 'pagerduty';

/**
 * The routes an alert goes to: the log always; Slack for a new alert (a resolution is not news to
 * the channel); PagerDuty for critical ones only, since it pages a person.
 */
export function routesFor(alert: Alert, action: AlertAction = 'trigger'): AlertRoute[] {
  return [
    'log',
    ...(action === 'trigger' ? (['slack'] as const) : []),
    ...(alert.severity === 'critical' ? (['pagerduty'] as const) : []),
  ];
}

const emoji: Record<Severity, string> = {
  critical: ':rotating_light:',
  warning: ':warning:',
  info: ':information_source:',
};

/** Slack's incoming-webhook format: `text` for notifications, blocks for the channel. */
export function slackMessage(alert: Alert) {
  const text = `[${alert.severity.toUpperCase()}] ${alert.title} (game date ${alert.game_date})`;
  const facts = [
    `*kind* ${alertKindOf(alert)}`,
    `*game date* ${alert.game_date}`,
    `*correlation id* ${alert.correlation_id ?? '—'}`,
    ...Object.entries(alert.details ?? {}).map(([key, value]) => `*${key}* ${describe(value)}`),
  ];
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${emoji[alert.severity]} *${alert.title}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: facts.join('\n') } },
    ],
  };
}

/**
 * A PagerDuty Events v2 event; the dedup key folds repeats into one incident, and a `resolve` with
 * the same key closes it.
 */
export function pagerDutyEvent(alert: Alert, routingKey: string, action: AlertAction = 'trigger') {
  return {
    routing_key: routingKey,
    event_action: action,
    dedup_key: alertWorkflowId(alert),
    payload: {
      summary: `${alert.title} (game date ${alert.game_date})`.slice(0, 1024),
      source: 'game-day-pipeline',
      severity: alert.severity,
      component: alertKindOf(alert),
      group: alert.game_date,
      custom_details: { ...alert.details, correlation_id: alert.correlation_id ?? null },
    },
  };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  const json = JSON.stringify(value);
  return json.length > 500 ? `${json.slice(0, 500)}…` : json;
}
