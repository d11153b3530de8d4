// Traces from the real worker and bridge processes, with the standard OTEL_* variable pointing at an
// OTLP/HTTP receiver of the test's own: the bridge's span per message (tagged game_date and
// correlation_id) is continued by the workflow and by the activity that publishes the trigger.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startFaultStack, type FaultStack } from '../../dev/faults/stack';
import { phaseCompletions } from '../../dev/simulate/day';
import { until } from '../helpers/eventually';
import { freePort } from '../helpers/servers';

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, string>;
  service: string;
}

const gameDate = '2023-11-06';
const correlationId = 'corr-traced';
const spans: Span[] = [];
let receiver: Server;
let stack: FaultStack;

type OtlpAttribute = { key: string; value: { stringValue?: string } };
type OtlpExport = {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: (Omit<Span, 'attributes' | 'service'> & { attributes?: OtlpAttribute[] })[] }[];
  }[];
};
const flat = (attributes: OtlpAttribute[] = []) =>
  Object.fromEntries(attributes.map((a) => [a.key, a.value.stringValue ?? '']));

before(async () => {
  const port = await freePort();
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const data = JSON.parse(body) as OtlpExport;
      for (const resource of data.resourceSpans ?? []) {
        const attributes = flat(resource.resource?.attributes);
        const service = attributes['service.name'] ?? '';
        resources.push(attributes);
        for (const scope of resource.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) spans.push({ ...span, attributes: flat(span.attributes), service });
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
  stack = await startFaultStack({
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', // this receiver reads JSON; the default is http/protobuf
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=faults-test',
  });
  const topic = stack.pubsub.pubsub.topic('nba-phase2-raw-complete');
  for (const { message } of phaseCompletions('phase2', { gameDate, correlationId, duplicates: 0 })) {
    await topic.publishMessage({ json: message });
  }
  await until(() => spans.some((s) => s.name === 'RunActivity:publishTrigger'), 'the publish activity span', 90_000);
});

after(async () => {
  await stack?.close();
  receiver?.close();
});

const resources: Record<string, string>[] = [];

describe('traces', () => {
  it('the resource comes from OTEL_RESOURCE_ATTRIBUTES, with the release as service.version', () => {
    assert.ok(resources.length > 0);
    for (const attributes of resources) {
      assert.equal(attributes['deployment.environment'], 'faults-test');
      assert.match(attributes['service.version'] ?? '', /^\d+\.\d+\.\d+/);
    }
  });

  it('the bridge opens a span per message, tagged with the game date and correlation id', () => {
    const messages = spans.filter((s) => s.name === 'bridge.message');
    assert.ok(messages.length >= 21, `${messages.length} bridge.message spans`);
    assert.ok(messages.every((s) => s.service === 'game-day-pipeline-bridge'));
    assert.ok(
      messages.some((s) => s.attributes.game_date === gameDate && s.attributes.correlation_id === correlationId),
    );
  });

  it("the workflow and the publish activity continue a bridge message's trace", () => {
    const publish = spans.find((s) => s.name === 'RunActivity:publishTrigger' && s.attributes.game_date === gameDate);
    assert.ok(publish, 'a publish activity span tagged with the game date');
    assert.equal(publish.attributes.correlation_id, correlationId);
    const trace = spans.filter((s) => s.traceId === publish.traceId);
    const names = new Set(trace.map((s) => s.name));
    // bridge.message → SignalWithStartWorkflow → the run → StartActivity → RunActivity
    for (const name of ['bridge.message', 'SignalWithStartWorkflow:gameDayWorkflow', 'StartActivity:publishTrigger']) {
      assert.ok(names.has(name), `the trace holds ${[...names].join(', ')}`);
    }
    assert.ok(publish.parentSpanId, 'the activity span has a parent');
  });
});
