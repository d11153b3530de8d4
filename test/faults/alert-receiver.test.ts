// The fault suite's Slack and PagerDuty: alerts posted by the product's own delivery are counted per
// alert, so one alert's title that begins with another's never makes the first look delivered twice.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../../src/alerts/alert';
import { deliverToRoute, type AlertRoutes } from '../../src/alerts/send';
import { attemptsFor, startAlertReceiver, type AlertReceiver } from '../../dev/faults/alert-receiver';
import { log } from '../../src/platform/log';

const alert = (token: string): Alert => ({
  kind: 'faults-receiver-test',
  severity: 'critical',
  title: `fault suite: ${token}`,
  game_date: '2023-10-01',
  details: { scenario: 'alert-receiver test' },
});

describe('the fault suite alert receiver', () => {
  let receiver: AlertReceiver;
  let routes: AlertRoutes;

  before(async () => {
    receiver = await startAlertReceiver();
    routes = {
      slackWebhookUrl: receiver.env.ALERT_WEBHOOK_URL,
      pagerDuty: { routingKey: receiver.env.PAGERDUTY_ROUTING_KEY, eventsUrl: receiver.env.PAGERDUTY_EVENTS_URL },
    };
  });
  after(() => receiver.close());

  it('counts each alert once per route, even when its token begins another alert’s', async () => {
    for (const token of ['faults-r1-both-down', 'faults-r1-both-down-warning']) {
      await deliverToRoute('slack', alert(token), routes, log);
      await deliverToRoute('pagerduty', alert(token), routes, log);
    }
    for (const route of ['slack', 'pagerduty'] as const) {
      assert.equal(attemptsFor(receiver, route, 'faults-r1-both-down', true).length, 1, route);
      assert.equal(attemptsFor(receiver, route, 'faults-r1-both-down-warning', true).length, 1, route);
    }
  });

  it('tells attempts a route refused from deliveries', async () => {
    receiver.setUp('slack', false);
    await assert.rejects(deliverToRoute('slack', alert('faults-r2-down'), routes, log), /Slack webhook answered 500/);
    receiver.setUp('slack', true);
    await deliverToRoute('slack', alert('faults-r2-down'), routes, log);
    assert.equal(attemptsFor(receiver, 'slack', 'faults-r2-down').length, 2);
    assert.equal(attemptsFor(receiver, 'slack', 'faults-r2-down', true).length, 1);
  });
});
