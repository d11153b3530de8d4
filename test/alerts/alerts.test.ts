// The alert path end to end: `sendAlert` starts the alert's own workflow on the time-skipping server,
// which delivers to a real HTTP receiver on loopback in Slack's and PagerDuty's formats. The same
// (kind, date) is sent once, also by a second set of activities (a restarted worker). Each route is
// delivered on its own: one that is down holds up no other, and one that answered is not sent again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createAlertActivities, type AlertRoutes, type AlertSent } from '../../src/alerts/activities';
import { alertWorkflowId, type Alert } from '../../src/alerts/alert';
import { resolveWorkflowId } from '../../src/alerts/send';
import { eventually } from '../helpers/eventually';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { timeSkippingEnvironment, workflowBundle } from '../helpers/servers';

const taskQueue = 'alerts-test';
let env: TestWorkflowEnvironment;
let receiver: Receiver;
let routes: AlertRoutes;
let worker: Worker;
let running: Promise<void>;

before(async () => {
  env = await timeSkippingEnvironment();
  receiver = await startReceiver();
  routes = {
    slackWebhookUrl: receiver.url('/slack'),
    pagerDuty: { routingKey: 'routing-key-1', eventsUrl: receiver.url('/pagerduty') },
  };
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createAlertActivities(env.client, routes),
  });
  running = worker.run();
});

after(async () => {
  worker.shutdown();
  await running;
  await receiver.close();
  await env.teardown();
});

/** What a freshly started worker process would send with: new activities, nothing in memory. */
function send(alert: Alert): Promise<AlertSent> {
  const activities = createAlertActivities(env.client, routes);
  return new MockActivityEnvironment({ taskQueue }).run((a: Alert) => activities.sendAlert(a), alert);
}

function resolve(alert: Alert): Promise<AlertSent> {
  const activities = createAlertActivities(env.client, routes);
  return new MockActivityEnvironment({ taskQueue }).run((a: Alert) => activities.resolveAlert(a), alert);
}

/** What each route was sent for the alert with this title, answered or refused. */
function sentFor(title: string) {
  const about = (r: { body: Record<string, unknown> }) => JSON.stringify(r.body).includes(title);
  return {
    slack: receiver.received.filter((r) => r.path === '/slack' && about(r)),
    pagerDuty: receiver.received.filter((r) => r.path === '/pagerduty' && about(r)),
    refusedSlack: receiver.refused.filter((r) => r.path === '/slack' && about(r)),
    refusedPagerDuty: receiver.refused.filter((r) => r.path === '/pagerduty' && about(r)),
  };
}

const stuck: Alert = {
  kind: 'date-stuck',
  severity: 'critical',
  title: 'Phase 2 waits past its deadline: 20/21 processors',
  game_date: '2025-11-27',
  correlation_id: 'corr-1',
  details: { waiting_on: 'phase2', missing: ['NbacGamebookProcessor'] },
};

describe('alerts', () => {
  it('a critical alert reaches Slack and PagerDuty once, however often it is raised', async () => {
    assert.equal((await send(stuck)).outcome, 'raised');
    assert.equal((await send(stuck)).outcome, 'deduplicated');
    assert.equal((await send({ ...stuck, title: 'said differently' })).outcome, 'deduplicated');
    const delivered = await eventually(
      () => receiver.received.filter((r) => r.body.text?.toString().includes('2025-11-27') || r.path === '/pagerduty'),
      (r) => r.length >= 2,
      'the alert on both routes',
    );
    // Another date is another alert: it arriving proves the first one's repeats had their chance.
    await send({ ...stuck, game_date: '2025-11-28' });
    // Both of its routes: nothing of this test is still on its way when the next one counts.
    await eventually(
      () => receiver.received.filter((r) => JSON.stringify(r.body).includes('2025-11-28')),
      (r) => r.length === 2,
      'the second date on Slack and PagerDuty',
    );
    const forFirstDate = receiver.received.filter((r) => JSON.stringify(r.body).includes('2025-11-27'));
    assert.deepEqual(
      forFirstDate.map((r) => r.path).sort(),
      ['/pagerduty', '/slack'],
      'one message per route for the first date',
    );
    const slack = delivered.find((r) => r.path === '/slack')!.body;
    assert.equal(slack.text, '[CRITICAL] Phase 2 waits past its deadline: 20/21 processors (game date 2025-11-27)');
    assert.match(JSON.stringify(slack.blocks), /correlation id\* corr-1/);
    const page = forFirstDate.find((r) => r.path === '/pagerduty')!.body;
    assert.equal(page.routing_key, 'routing-key-1');
    assert.equal(page.event_action, 'trigger');
    assert.equal(page.dedup_key, 'alert-date-stuck-2025-11-27');
    assert.deepEqual(
      { ...(page.payload as Record<string, unknown>), custom_details: undefined },
      {
        summary: 'Phase 2 waits past its deadline: 20/21 processors (game date 2025-11-27)',
        source: 'game-day-pipeline',
        severity: 'critical',
        component: 'date-stuck',
        group: '2025-11-27',
        custom_details: undefined,
      },
    );
  });

  it('a warning goes to Slack only, and a route that fails is retried until it answers', async () => {
    receiver.failNext(2);
    const before = receiver.received.length;
    await send({ kind: 'phase-partial', severity: 'warning', title: 'Phase 3 partial', game_date: '2025-11-29' });
    const after = await eventually(
      () => receiver.received.slice(before),
      (r) => r.length >= 1,
      'the warning after two failed attempts',
    );
    assert.deepEqual(
      after.map((r) => [r.path, r.body.text]),
      [['/slack', '[WARNING] Phase 3 partial (game date 2025-11-29)']],
    );
  });

  it('a critical alert pages while Slack answers 500, and Slack gets it once it is back, without a second page', async () => {
    const alert: Alert = { ...stuck, title: 'Slack down, page anyway', game_date: '2025-12-01' };
    receiver.down('/slack', 500);
    try {
      assert.equal((await send(alert)).outcome, 'raised');
      await eventually(
        () => sentFor(alert.title).pagerDuty,
        (r) => r.length === 1,
        'the page, though Slack refuses',
      );
      await eventually(
        () => sentFor(alert.title).refusedSlack,
        (r) => r.length >= 2,
        'Slack tried again',
      );
    } finally {
      receiver.down('/slack');
    }
    await env.client.workflow.getHandle(alertWorkflowId(alert)).result();
    const sent = sentFor(alert.title);
    assert.equal(sent.slack.length, 1, 'Slack once, when it answered');
    assert.equal(sent.pagerDuty.length, 1, 'PagerDuty once: its route had answered, so it was not repeated');
  });

  it('Slack is posted once while PagerDuty answers 500 and is retried', async () => {
    const alert: Alert = { ...stuck, title: 'PagerDuty down, Slack once', game_date: '2025-12-02' };
    receiver.down('/pagerduty', 500);
    try {
      await send(alert);
      await eventually(
        () => sentFor(alert.title).refusedPagerDuty,
        (r) => r.length >= 2,
        'PagerDuty tried again',
      );
    } finally {
      receiver.down('/pagerduty');
    }
    await env.client.workflow.getHandle(alertWorkflowId(alert)).result();
    const sent = sentFor(alert.title);
    assert.equal(sent.slack.length, 1, 'one Slack message across every PagerDuty retry');
    assert.equal(sent.pagerDuty.length, 1);
  });

  it('a route down past its retries frees the id: the next alert of that kind and date goes out', async () => {
    const first: Alert = {
      kind: 'phase-partial',
      severity: 'warning',
      title: 'Slack gone all along',
      game_date: '2025-12-03',
    };
    receiver.down('/slack', 500);
    try {
      assert.equal((await send(first)).outcome, 'raised');
      await assert.rejects(
        env.client.workflow.getHandle(alertWorkflowId(first)).result(),
        (error: Error) => /alert not delivered to slack/.test(String((error.cause as Error | undefined)?.message)),
        'the alert workflow fails once Slack stayed down for its whole window',
      );
    } finally {
      receiver.down('/slack');
    }
    const later: Alert = { ...first, title: 'Slack back, later alert' };
    assert.equal((await send(later)).outcome, 'raised', 'not deduplicated by the failed one');
    await env.client.workflow.getHandle(alertWorkflowId(later)).result();
    assert.equal(sentFor(later.title).slack.length, 1);
  });

  it('a resolved condition resolves the PagerDuty incident, with the same dedup key', async () => {
    const alert: Alert = { ...stuck, title: 'Resolved later', game_date: '2025-12-04', episode: 'T101500Z' };
    await send(alert);
    await env.client.workflow.getHandle(alertWorkflowId(alert)).result();
    assert.equal((await resolve(alert)).outcome, 'raised');
    assert.equal((await resolve(alert)).outcome, 'deduplicated');
    await env.client.workflow.getHandle(resolveWorkflowId(alert)).result();
    const pages = sentFor(alert.title).pagerDuty.map((r) => [r.body.event_action, r.body.dedup_key]);
    assert.deepEqual(pages, [
      ['trigger', 'alert-date-stuck-2025-12-04-T101500Z'],
      ['resolve', 'alert-date-stuck-2025-12-04-T101500Z'],
    ]);
    assert.equal(sentFor(alert.title).slack.length, 1, 'the channel is not told twice');
  });
});
