// What an operator scrapes, from the real `pipeline worker` and `pipeline bridge` processes on the
// real servers (Temporal dev server, Pub/Sub emulator, bqemulator): after a day's phase 2 messages
// and one bad message, the bridge's /metrics counts them by topic and outcome, the worker's /metrics
// carries the SDK's metrics and the pipeline's (the phase 3 trigger, its latency against the target),
// and the probes answer. Then the bridge stops on SIGTERM and says it drained.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFaultStack, type FaultStack } from '../../dev/faults/stack';
import { pipeline } from '../../src/pipeline/definition';
import { phaseCompletions } from '../../dev/simulate/day';
import { until } from '../helpers/eventually';

const gameDate = '2023-11-05';
const phase2Topic = 'nba-phase2-raw-complete';
let stack: FaultStack;
let bridgeMetrics = '';
let workerMetrics = '';

/** The sample's value, summed over series whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

const text = async (url: string) => (await fetch(url)).text();

before(async () => {
  stack = await startFaultStack();
  const messages = phaseCompletions('phase2', { gameDate, correlationId: 'corr-observe', duplicates: 3 });
  const topic = stack.pubsub.pubsub.topic(phase2Topic);
  for (const { message } of messages) await topic.publishMessage({ json: message });
  await topic.publishMessage({ data: Buffer.from('not json at all') });
  const expected = messages.length + 1;
  await until(async () => {
    bridgeMetrics = await text(`${stack.bridgeUrl}/metrics`);
    return sample(bridgeMetrics, 'bridge_messages_acked_total', { topic: phase2Topic }) >= expected;
  }, 'the bridge to ack every message');
  await until(async () => {
    workerMetrics = await text(`${stack.workerMetricsUrl}/metrics`);
    return sample(workerMetrics, 'pipeline_triggers_total', { phase: 'phase3' }) >= 1;
  }, 'the worker to count the phase 3 trigger');
});

after(async () => {
  await stack?.close();
});

describe('observability of the running processes', () => {
  it("the bridge's /metrics counts the day's messages by topic and outcome", () => {
    assert.equal(sample(bridgeMetrics, 'bridge_messages_received_total', { topic: phase2Topic }), 26);
    assert.equal(
      sample(bridgeMetrics, 'bridge_messages_acked_total', { topic: phase2Topic, outcome: 'signalled' }),
      25,
    );
    assert.equal(
      sample(bridgeMetrics, 'bridge_messages_dead_lettered_total', { topic: phase2Topic, reason: 'invalid' }),
      1,
    );
    assert.equal(sample(bridgeMetrics, 'bridge_messages_nacked_total', { topic: phase2Topic }), 0);
    assert.equal(sample(bridgeMetrics, 'bridge_signal_duration_seconds_count', { topic: phase2Topic }), 25);
    assert.equal(sample(bridgeMetrics, 'bridge_messages_outstanding'), 0);
  });

  it("the worker's /metrics has the SDK's metrics and the pipeline's, against the seed's targets", () => {
    assert.match(workerMetrics, /^temporal_workflow_completed_total|^temporal_request_total/m);
    assert.equal(
      sample(workerMetrics, 'pipeline_triggers_total', { phase: 'phase3', trigger_source: 'orchestrator' }),
      1,
    );
    assert.equal(sample(workerMetrics, 'pipeline_latency_seconds_count', { transition: 'phase2_to_phase3' }), 1);
    const target = pipeline.latencyTargets.find((t) => t.name === 'phase2_to_phase3')!;
    assert.equal(
      sample(workerMetrics, 'pipeline_latency_target_seconds', { transition: 'phase2_to_phase3' }),
      target.targetMs / 1000,
    );
    assert.match(workerMetrics, /^worker_process_cpu_user_seconds_total/m);
  });

  it('every metric the Grafana dashboard charts is one the processes export', () => {
    const dashboard = JSON.parse(
      fs.readFileSync(path.join(__dirname, '../../deploy/grafana/dashboards/game-day-pipeline.json'), 'utf8'),
    ) as { panels: { targets?: { expr: string }[] }[] };
    const charted = new Set(
      dashboard.panels.flatMap((p) =>
        (p.targets ?? []).flatMap((t) => t.expr.match(/\b[a-z]+_[a-z_]+(?=[[{)\s])/g) ?? []),
      ),
    );
    // The SDK exports a counter only once it counted something: no run failed or completed here yet.
    const onlyOnceCounted =
      /^temporal_(workflow_failed|workflow_completed|workflow_task_execution_failed|activity_execution_failed)_total$/;
    const exported = `${bridgeMetrics}\n${workerMetrics}`;
    const missing = [...charted].filter((name) => {
      if (onlyOnceCounted.test(name) || !/^(bridge|pipeline|temporal)_/.test(name)) return false;
      const family = name.replace(/_(bucket|count|sum)$/, '');
      return !new RegExp(`^(# TYPE ${family} |${name}[{ ])`, 'm').test(exported);
    });
    assert.ok(charted.size >= 15, `the dashboard charts ${charted.size} metrics`);
    assert.deepEqual(missing, []);
  });

  it('both processes answer their probes', async () => {
    const [bridgeLive, bridgeReady, workerLive] = await Promise.all([
      fetch(`${stack.bridgeUrl}/healthz`),
      fetch(`${stack.bridgeUrl}/readyz`),
      fetch(`${stack.workerMetricsUrl}/healthz`),
    ]);
    assert.equal(bridgeLive.status, 200);
    assert.deepEqual(await bridgeReady.json(), { ok: true, subscribed: true, temporal: true, stopping: false });
    assert.equal(workerLive.status, 200);
    assert.equal(((await workerLive.json()) as { state: string }).state, 'RUNNING');
  });

  it("one logger: the SDK's and core's logs come out of the worker's pino logger as JSON", () => {
    const lines = fs
      .readFileSync(stack.worker.logFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { sdk?: boolean; sdkComponent?: string; msg: string });
    assert.ok(lines.some((l) => l.sdk && l.sdkComponent === 'core'));
    assert.ok(lines.some((l) => l.sdk && l.sdkComponent === 'worker'));
    assert.ok(lines.some((l) => !l.sdk && l.msg === 'worker started'));
  });

  it('the bridge drains and exits on SIGTERM', async () => {
    await stack.bridge.stop();
    const log = fs.readFileSync(stack.bridge.logFile, 'utf8');
    assert.match(log, /"drained":true[^\n]*"msg":"bridge stopped"/);
  });
});
