// The bridge's small decisions, without servers: what a dead letter looks like, which Temporal
// errors are permanent, how long a failed message waits, and what configuration is refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NamespaceNotFoundError, ServiceError, ValueError, type Client } from '@temporalio/client';
import pino from 'pino';
import { classifyTemporalError } from '../../src/bridge/classify';
import { grpcStatus } from '../../src/platform/grpc';
import { deadLetterAttributes, deadLetterMessage } from '../../src/messages/dead-letter';
import { backoffSeconds, FailureCounts } from '../../src/bridge/deliveries';
import { createHandler, type IncomingMessage } from '../../src/bridge/handler';
import { deadLetterPolicyAttempts, pubsubLimits, truncateBytes } from '../../src/messages/limits';
import { loadConfig } from '../../src/platform/config';

const receivedAt = new Date('2025-11-29T12:00:00Z');

function message(attributes: Record<string, string>, data = Buffer.from('{"x":1}')): IncomingMessage {
  return { topic: 'nba-phase2-raw-complete', id: 'm-1', data, attributes };
}

function assertPublishable({ data, attributes }: { data: Buffer; attributes: Record<string, string> }): void {
  const entries = Object.entries(attributes);
  assert.ok(entries.length <= pubsubLimits.attributesPerMessage, `${entries.length} attributes`);
  let bytes = data.length;
  for (const [key, value] of entries) {
    assert.ok(key.length > 0 && Buffer.byteLength(key) <= pubsubLimits.attributeKeyBytes, `key ${key.slice(0, 20)}`);
    assert.ok(!key.startsWith('goog'), key);
    assert.ok(Buffer.byteLength(value) <= pubsubLimits.attributeValueBytes, `value of ${key}`);
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  assert.ok(bytes <= pubsubLimits.messageBytes, `${bytes} bytes`);
}

describe('a dead letter', () => {
  it('carries the original bytes, the reason and where it came from', () => {
    const letter = deadLetterMessage(
      { message: message({ trigger_id: 't-1' }), reason: 'invalid: not JSON' },
      receivedAt,
    );
    assert.equal(letter.data.toString(), '{"x":1}');
    assert.deepEqual(letter.attributes, {
      trigger_id: 't-1',
      dead_letter_reason: 'invalid: not JSON',
      source_topic: 'nba-phase2-raw-complete',
      source_message_id: 'm-1',
      dead_letter_received_at: '2025-11-29T12:00:00.000Z',
    });
  });

  it('fits Pub/Sub whatever the original carried, and says what it trimmed', () => {
    const attributes: Record<string, string> = Object.fromEntries(
      Array.from({ length: 150 }, (_, i) => [`a${i}`, 'v']),
    );
    attributes['k'.repeat(300)] = 'long key';
    attributes.googReserved = 'x';
    attributes.big = 'é'.repeat(2000);
    attributes[deadLetterAttributes.reason] = 'forged';
    const letter = deadLetterMessage(
      { message: message(attributes), reason: `exhausted: ${'r'.repeat(5000)}` },
      receivedAt,
    );
    assertPublishable(letter);
    assert.match(letter.attributes[deadLetterAttributes.reason]!, /^exhausted: r+…$/);
    assert.match(
      letter.attributes[deadLetterAttributes.attributesTrimmed]!,
      /^154 original attributes: \d+ dropped, [01] values cut/,
    );
  });

  it('cuts data that would not fit next to its attributes, and records the original size', () => {
    const data = Buffer.alloc(pubsubLimits.messageBytes, 'a');
    const letter = deadLetterMessage({ message: message({}, data), reason: 'oversized: …' }, receivedAt);
    assertPublishable(letter);
    assert.equal(letter.attributes[deadLetterAttributes.dataTruncated], String(pubsubLimits.messageBytes));
  });

  it('can leave out every original attribute (the fallback when Pub/Sub refuses one)', () => {
    const letter = deadLetterMessage({ message: message({ a: '1', b: '2' }), reason: 'late: …' }, receivedAt, {
      keepOriginalAttributes: false,
    });
    assert.equal(letter.attributes.a, undefined);
    assert.match(letter.attributes[deadLetterAttributes.attributesTrimmed]!, /^2 original attributes: 2 dropped/);
  });

  it('names the push subscription when the topic could not be told', () => {
    const rejected = {
      message: { topic: '', id: '', data: Buffer.from('junk'), attributes: {} },
      reason: 'invalid: …',
      subscription: 'projects/p/subscriptions/s',
    };
    const { attributes } = deadLetterMessage(rejected, receivedAt);
    assert.equal(attributes[deadLetterAttributes.sourceSubscription], 'projects/p/subscriptions/s');
    assert.equal(attributes[deadLetterAttributes.sourceTopic], undefined);
  });
});

describe('Temporal errors', () => {
  const grpcError = (code: number, details: string) =>
    new ServiceError('Failed to signalWithStart Workflow', {
      cause: Object.assign(new Error(details), { code, details, metadata: {} }),
    });

  it('are permanent when the request itself is wrong', () => {
    assert.deepEqual(
      classifyTemporalError(
        grpcError(grpcStatus.INVALID_ARGUMENT, 'search attribute CorrelationId exceeds size limit'),
      ),
      {
        permanent: true,
        unreachable: false,
        description: 'INVALID_ARGUMENT: search attribute CorrelationId exceeds size limit',
      },
    );
    assert.equal(
      classifyTemporalError(
        grpcError(grpcStatus.RESOURCE_EXHAUSTED, 'Received message larger than max (5000000 vs. 4194304)'),
      ).permanent,
      true,
    );
    assert.equal(classifyTemporalError(new ValueError('cannot encode')).permanent, true);
  });

  it('are transient when the server, the network or the configuration is at fault', () => {
    for (const code of [
      grpcStatus.UNAVAILABLE,
      grpcStatus.DEADLINE_EXCEEDED,
      grpcStatus.RESOURCE_EXHAUSTED,
      grpcStatus.PERMISSION_DENIED,
      grpcStatus.UNAUTHENTICATED,
      grpcStatus.INTERNAL,
    ]) {
      assert.equal(
        classifyTemporalError(grpcError(code, 'namespace rate limit exceeded')).permanent,
        false,
        String(code),
      );
    }
    assert.deepEqual(classifyTemporalError(new NamespaceNotFoundError('prod')), {
      permanent: false,
      unreachable: true,
      description: 'namespace not found: prod (check TEMPORAL_NAMESPACE)',
    });
    assert.equal(classifyTemporalError(new Error('connect ECONNREFUSED 127.0.0.1:7233')).permanent, false);
  });

  it('count as an outage when no signal can get through: down, too slow, or refusing the bridge itself', () => {
    const unreachable = (code: number, details = 'no connection') =>
      classifyTemporalError(grpcError(code, details)).unreachable;
    assert.equal(unreachable(grpcStatus.UNAVAILABLE), true);
    assert.equal(unreachable(grpcStatus.DEADLINE_EXCEEDED), true);
    // A key scoped to another namespace, an expired key, a wrong namespace: every signal fails.
    assert.equal(unreachable(grpcStatus.PERMISSION_DENIED, 'Request unauthorized.'), true);
    assert.equal(unreachable(grpcStatus.UNAUTHENTICATED, 'invalid API key'), true);
    assert.equal(unreachable(grpcStatus.NOT_FOUND, 'Namespace prod is not found.'), true);
    assert.equal(classifyTemporalError(new NamespaceNotFoundError('prod')).unreachable, true);
    for (const code of [grpcStatus.RESOURCE_EXHAUSTED, grpcStatus.INVALID_ARGUMENT, grpcStatus.INTERNAL]) {
      assert.equal(unreachable(code), false, String(code));
    }
    assert.equal(unreachable(grpcStatus.NOT_FOUND, 'workflow not found'), false);
  });
});

describe('redelivery', () => {
  it('waits twice as long after each failed delivery, up to the maximum', () => {
    const policy = { minSeconds: 1, maxSeconds: 300 };
    assert.deepEqual(
      [1, 2, 3, 8, 9, 10, 50].map((attempt) => backoffSeconds(attempt, policy)),
      [1, 2, 4, 128, 256, 300, 300],
    );
    assert.equal(backoffSeconds(0, { minSeconds: 0, maxSeconds: 10 }), 0);
  });

  it('counts failures per message in a bounded map', () => {
    const counts = new FailureCounts(2);
    assert.equal(counts.fail('a'), 1);
    assert.equal(counts.fail('a'), 2);
    counts.fail('b');
    counts.fail('c'); // evicts a, the least recently failed
    assert.equal(counts.size, 2);
    assert.equal(counts.fail('a'), 1); // evicts b
    counts.forget('c');
    assert.equal(counts.size, 1);
  });

  it("leaves Pub/Sub's dead-letter policy above the bridge's cap, within Pub/Sub's range", () => {
    assert.equal(deadLetterPolicyAttempts(50), 60);
    assert.equal(deadLetterPolicyAttempts(1), 11);
    assert.equal(deadLetterPolicyAttempts(90), 100);
  });

  it('cuts text on a character boundary', () => {
    assert.equal(truncateBytes('short', 10), 'short');
    const cut = truncateBytes('ééééé', 6); // 2 bytes each; the ellipsis takes 3
    assert.equal(cut, 'é…');
  });
});

describe('bridge configuration', () => {
  it('defaults to pull only, pacing redelivery by ack deadline on the emulator and by retry policy on Pub/Sub', () => {
    const local = loadConfig({}).bridge;
    assert.equal(local.pull, true);
    assert.equal(local.push, false);
    assert.equal(local.redelivery, 'ack-deadline');
    assert.equal(local.maxDaysAhead, 30);
    assert.equal(loadConfig({ PUBSUB_EMULATOR_HOST: '' }).bridge.redelivery, 'retry-policy');
  });

  it('refuses OIDC with an audience but no service account', () => {
    assert.throws(
      () => loadConfig({ BRIDGE_PUSH: 'true', BRIDGE_PUSH_AUDIENCE: 'https://bridge' }),
      /BRIDGE_PUSH_AUDIENCE needs BRIDGE_PUSH_SERVICE_ACCOUNT/,
    );
    const bridge = loadConfig({
      BRIDGE_PUSH_AUDIENCE: 'https://bridge',
      BRIDGE_PUSH_SERVICE_ACCOUNT: 'push@p.iam.gserviceaccount.com',
    }).bridge;
    assert.equal(bridge.pushServiceAccount, 'push@p.iam.gserviceaccount.com');
  });

  it("refuses a bridge that would consume nothing, and a cap Pub/Sub's dead-letter policy could not exceed", () => {
    assert.throws(() => loadConfig({ BRIDGE_PULL: 'false', BRIDGE_PUSH: 'false' }), /consume nothing/);
    assert.throws(() => loadConfig({ BRIDGE_MAX_DELIVERIES: '95' }), /BRIDGE_MAX_DELIVERIES/);
  });
});

describe('the handler on a message its own reading chokes on', () => {
  it('dead-letters JSON nested too deep to serialise as invalid, at the first delivery', async () => {
    const reasons: string[] = [];
    const handle = createHandler({
      // Never reached: the message is refused before Temporal is asked.
      client: {} as Client,
      taskQueue: 'q',
      maxMessageBytes: 64 * 1024,
      log: pino({ level: 'silent' }),
      deadLetter: ({ reason }) => {
        reasons.push(reason);
        return Promise.resolve();
      },
      now: () => new Date('2025-01-10T00:00:00Z'),
    });
    const depth = 30_000;
    const data = Buffer.from(
      `{"game_date":"2025-01-09","status":"success","metadata":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
    );
    const verdict = await handle({ topic: 'nba-phase5-predictions-complete', id: 'deep-1', data, attributes: {} });
    assert.equal(verdict.action, 'ack');
    assert.equal(reasons.length, 1);
    assert.match(reasons[0]!, /^invalid: the bridge could not read it: Maximum call stack size exceeded/);
  });
});
