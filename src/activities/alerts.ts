// Every alert goes through here: a structured log line always, and a webhook (Slack or any
// endpoint taking {text}) when one is configured.
import { log } from '../log';

export interface Alert {
  severity: 'info' | 'warning' | 'critical';
  title: string;
  game_date: string;
  correlation_id?: string | null;
  details?: Record<string, unknown>;
}

export function createAlertActivities(webhookUrl: string | undefined) {
  return {
    async sendAlert(alert: Alert): Promise<void> {
      const level = alert.severity === 'critical' ? 'error' : alert.severity === 'warning' ? 'warn' : 'info';
      log[level]({ alert: alert.severity, ...alert }, alert.title);
      if (!webhookUrl) return;
      const text = `[${alert.severity.toUpperCase()}] ${alert.title} (game date ${alert.game_date})`;
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text, alert }),
        signal: AbortSignal.timeout(10_000),
      });
      // A failed delivery throws, so Temporal retries it.
      if (!response.ok) throw new Error(`alert webhook answered ${response.status}`);
    },
  };
}
