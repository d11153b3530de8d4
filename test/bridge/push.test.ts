// The push endpoint over real HTTP, with a recording handler: the handler's own Pub/Sub and Temporal
// path is tested elsewhere. OIDC tokens are signed here with a local key; nothing fetches Google's certs.
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { request, type OutgoingHttpHeaders } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { OAuth2Client } from 'google-auth-library';
import pino from 'pino';
import type { Config } from '../../src/platform/config';
import type { Rejected } from '../../src/messages/dead-letter';
import type { IncomingMessage, Verdict } from '../../src/bridge/handler';
import { pubsubLimits } from '../../src/messages/limits';
import { startPushServer, type PushServerOptions } from '../../src/bridge/push';
import { isLoopback, type IdTokenVerifier } from '../../src/bridge/push-auth';
import { parseEnvelope, topicFromSubscription } from '../../src/bridge/push-envelope';

const log = pino({ level: 'silent' });
const TOPIC = 'nba-phase2-raw-complete';
const SUBSCRIPTION = `projects/nba-props-platform/subscriptions/${TOPIC}-orchestrator`;
const BODY_LIMIT = 4096;

const baseBridge: Config['bridge'] = {
  host: '127.0.0.1',
  port: 0,
  pull: false,
  push: true,
  pushToken: undefined,
  pushAudience: undefined,
  pushServiceAccount: undefined,
  maxMessageBytes: 1024,
  maxPushBodyBytes: BODY_LIMIT,
  maxOutstanding: 10,
  maxDeliveries: 5,
  backoff: { minSeconds: 1, maxSeconds: 60 },
  redelivery: 'retry-policy',
  maxDaysAhead: 30,
  resubscribeGiveUpMs: 60_000,
  drainMs: 1000,
};

const ack: Verdict = { action: 'ack', outcome: 'signalled', workflowId: 'game-day-2025-01-14' };
const nack: Verdict = { action: 'nack', retryAfterSeconds: 7, error: 'Temporal is down' };

/**
 * Starts a server whose handler records every message and answers `verdict`, and whose dead-letter
 * topic records every dead letter (or fails, if asked); closed after the test.
 */
async function start(
  t: TestContext,
  bridge: Partial<Config['bridge']> = {},
  options: PushServerOptions = {},
  verdict: Verdict | (() => Promise<Verdict>) = ack,
  deadLetterFails = false,
) {
  const received: IncomingMessage[] = [];
  const deadLetters: Rejected[] = [];
  const server = await startPushServer(
    async (message) => {
      received.push(message);
      return typeof verdict === 'function' ? verdict() : verdict;
    },
    (rejected) => {
      if (deadLetterFails) return Promise.reject(new Error('dead-letter topic unavailable'));
      deadLetters.push(rejected);
      return Promise.resolve();
    },
    { ...baseBridge, ...bridge },
    log,
    options,
  );
  t.after(() => server.close());
  return { ...server, received, deadLetters };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on its own connection; the server may drop the connection once it has answered. */
function send(
  url: string,
  body: string | undefined,
  headers: OutgoingHttpHeaders = {},
  method = 'POST',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'content-type': 'application/json', ...headers }, agent: false });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends `chunks` (ending the body only if asked) and resolves with the status the server answers. */
function sendChunks(url: string, chunks: Buffer[], headers: OutgoingHttpHeaders, end: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    // Once answered, the server drops the connection: a reset is what it should do, not a failure.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    for (const chunk of chunks) req.write(chunk);
    if (end) req.end();
  });
}

function envelope(
  data: string | Buffer,
  overrides: { attributes?: Record<string, string>; messageId?: string; subscription?: string } = {},
) {
  return JSON.stringify({
    message: {
      data: Buffer.from(data).toString('base64'),
      attributes: overrides.attributes,
      messageId: overrides.messageId ?? '1234567890',
      publishTime: '2025-01-15T03:00:00.000Z',
    },
    subscription: overrides.subscription ?? SUBSCRIPTION,
  });
}

const completionJson = JSON.stringify({ processor_name: 'bdl_boxscores', game_date: '2025-01-14', status: 'success' });

// A server that waits for a body it should have refused fails by this guard instead of hanging.
describe('push endpoint: envelope and verdict', { timeout: 20_000 }, () => {
  it('reports the port it really bound', async (t) => {
    const server = await start(t);
    assert.notEqual(server.port, 0);
    assert.equal(server.url, `http://127.0.0.1:${server.port}/pubsub/push`);
  });

  it('passes topic, id, decoded data and attributes to the handler and answers 204 on ack', async (t) => {
    const server = await start(t);
    // fetch keeps its connection alive, so this also shows close() does not wait on idle connections.
    const reply = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: envelope(completionJson, { attributes: { game_date: '2025-01-14', source: 'test' }, messageId: 'm-1' }),
    });
    assert.equal(reply.status, 204);
    assert.equal(server.received.length, 1);
    const [message] = server.received;
    assert.ok(message);
    assert.equal(message.topic, TOPIC);
    assert.equal(message.id, 'm-1');
    assert.ok(Buffer.isBuffer(message.data));
    assert.equal(message.data.toString('utf8'), completionJson);
    assert.deepEqual(message.attributes, { game_date: '2025-01-14', source: 'test' });
  });

  it('accepts message_id and a message without attributes or data', async (t) => {
    const server = await start(t);
    const body = JSON.stringify({ message: { message_id: 'snake-1' }, subscription: SUBSCRIPTION });
    const reply = await send(server.url, body);
    assert.equal(reply.status, 204);
    assert.deepEqual(server.received, [{ topic: TOPIC, id: 'snake-1', data: Buffer.alloc(0), attributes: {} }]);
  });

  it('answers 503 when the handler nacks, so Pub/Sub redelivers', async (t) => {
    const server = await start(t, {}, {}, nack);
    const reply = await send(server.url, envelope(completionJson));
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['retry-after'], '7');
    assert.equal(server.received.length, 1);
  });

  it('passes the delivery attempt of a subscription with a dead-letter policy to the handler', async (t) => {
    const server = await start(t);
    const body = JSON.stringify({ ...JSON.parse(envelope(completionJson)), deliveryAttempt: 4 });
    assert.equal((await send(server.url, body)).status, 204);
    assert.equal(server.received[0]?.deliveryAttempt, 4);
  });

  it('answers 503 when the handler throws', async (t) => {
    const server = await start(t, {}, {}, () => Promise.reject(new Error('boom')));
    const reply = await send(server.url, envelope(completionJson));
    assert.equal(reply.status, 503);
    assert.equal(server.received.length, 1);
  });

  const badEnvelopes: { name: string; body: string; reason: RegExp }[] = [
    { name: 'not JSON', body: '{"message":', reason: /not JSON/ },
    { name: 'not an object', body: '[1,2]', reason: /not a JSON object/ },
    {
      name: 'no subscription',
      body: JSON.stringify({ message: { data: '', messageId: '1' } }),
      reason: /no subscription/,
    },
    {
      name: 'no message',
      body: JSON.stringify({ subscription: SUBSCRIPTION }),
      reason: /no message object/,
    },
    {
      name: 'no messageId',
      body: JSON.stringify({ message: { data: 'e30=' }, subscription: SUBSCRIPTION }),
      reason: /messageId/,
    },
    {
      name: 'data that is not base64',
      body: JSON.stringify({ message: { data: 'not base64!', messageId: '1' }, subscription: SUBSCRIPTION }),
      reason: /base64/,
    },
    {
      name: 'attributes that are not strings',
      body: JSON.stringify({
        message: { data: 'e30=', messageId: '1', attributes: { n: 1 } },
        subscription: SUBSCRIPTION,
      }),
      reason: /attributes/,
    },
  ];
  // Pub/Sub would redeliver a 4xx until the message expires: what can never be accepted is dead-lettered.
  for (const { name, body, reason } of badEnvelopes) {
    it(`dead-letters an envelope with ${name}, with the reason and the raw body, and answers 204`, async (t) => {
      const server = await start(t);
      const reply = await send(server.url, body);
      assert.equal(reply.status, 204);
      assert.equal(server.received.length, 0);
      assert.equal(server.deadLetters.length, 1);
      const [letter] = server.deadLetters;
      assert.match(letter!.reason, /^invalid: push envelope: /);
      assert.match(letter!.reason, reason);
      assert.equal(letter!.message.data.toString('utf8'), body);
    });
  }

  it('names the subscription and message of a dead-lettered envelope when it can', async (t) => {
    const server = await start(t);
    const body = JSON.stringify({ message: { data: 'not base64!', messageId: 'm-9' }, subscription: SUBSCRIPTION });
    assert.equal((await send(server.url, body)).status, 204);
    const [letter] = server.deadLetters;
    assert.equal(letter?.subscription, SUBSCRIPTION);
    assert.equal(letter?.message.id, 'm-9');
    assert.equal(letter?.message.topic, TOPIC);
  });

  // The subscription decides the topic a dead letter is replayed to: only the bridge's own are taken.
  const foreignSubscriptions = [
    'projects/p/subscriptions/nba-phase5-trigger-orchestrator',
    'projects/p/subscriptions/nba-orchestrator-dead-letter-orchestrator',
    `projects/p/subscriptions/${TOPIC}-sub`,
    'projects/p/subscriptions/-orchestrator',
    `projects/p/topics/${TOPIC}-orchestrator`,
  ];
  for (const subscription of foreignSubscriptions) {
    it(`refuses an envelope from ${subscription} with 403: nothing signalled, nothing dead-lettered`, async (t) => {
      const server = await start(t);
      const reply = await send(server.url, envelope(completionJson, { subscription }));
      assert.equal(reply.status, 403);
      assert.match(reply.body, /is not one of the bridge's/);
      // Also when the rest of the envelope is bad: it is still not ours to dead-letter.
      const bad = JSON.stringify({ message: { data: 'not base64!', messageId: '1' }, subscription });
      assert.equal((await send(server.url, bad)).status, 403);
      assert.equal(server.received.length, 0);
      assert.equal(server.deadLetters.length, 0);
    });
  }

  it('answers 503 to a bad envelope it could not dead-letter, so Pub/Sub tries again', async (t) => {
    const server = await start(t, {}, {}, ack, true);
    assert.equal((await send(server.url, '{"message":')).status, 503);
  });

  it('accepts a body right at the limit', async (t) => {
    const server = await start(t);
    const shell = envelope('', { attributes: { pad: '' } });
    const body = envelope('', { attributes: { pad: 'x'.repeat(BODY_LIMIT - shell.length) } });
    assert.equal(Buffer.byteLength(body), BODY_LIMIT);
    const reply = await send(server.url, body);
    assert.equal(reply.status, 204);
    assert.equal(server.received.length, 1);
  });

  // A valid envelope one byte over the limit: a server that read it anyway would call the handler.
  const overLimit = () => {
    const shell = envelope(completionJson, { attributes: { pad: '' } });
    const pad = 'x'.repeat(BODY_LIMIT + 1 - shell.length);
    const body = Buffer.from(envelope(completionJson, { attributes: { pad } }));
    assert.equal(body.length, BODY_LIMIT + 1);
    return body;
  };

  const assertOversizedDeadLetter = (server: Awaited<ReturnType<typeof start>>, body: Buffer) => {
    assert.equal(server.received.length, 0);
    assert.equal(server.deadLetters.length, 1);
    const [letter] = server.deadLetters;
    assert.match(
      letter!.reason,
      new RegExp(`^oversized: push body of ${body.length} bytes exceeds the ${BODY_LIMIT}-byte limit`),
    );
    assert.deepEqual(letter!.message.data, body.subarray(0, BODY_LIMIT));
  };

  it('dead-letters the start of a declared oversized body and answers 204, without calling the handler', async (t) => {
    const server = await start(t);
    const body = overLimit();
    const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
    assert.equal(await sendChunks(server.url, [body], headers, true), 204);
    assertOversizedDeadLetter(server, body);
  });

  it('dead-letters the start of a chunked body over the limit and answers 204', async (t) => {
    const server = await start(t);
    const body = overLimit();
    const chunks = [body.subarray(0, BODY_LIMIT / 2), body.subarray(BODY_LIMIT / 2)];
    assert.equal(await sendChunks(server.url, chunks, { 'content-type': 'application/json' }, true), 204);
    assertOversizedDeadLetter(server, body);
  });

  it('answers 413 to a declared length Pub/Sub never sends, before the body arrives', async (t) => {
    const server = await start(t);
    const headers = { 'content-type': 'application/json', 'content-length': String(1024 ** 3) };
    assert.equal(await sendChunks(server.url, [Buffer.from('{"message":')], headers, false), 413);
    assert.equal(server.received.length, 0);
    assert.equal(server.deadLetters.length, 0);
  });

  it('stops reading a chunked body that never ends once it passes what Pub/Sub can send', async (t) => {
    const server = await start(t);
    const chunk = Buffer.alloc(pubsubLimits.pushBodyBytes / 2 + 1, 'a');
    assert.equal(await sendChunks(server.url, [chunk, chunk], { 'content-type': 'application/json' }, false), 413);
    assert.equal(server.received.length, 0);
  });

  it('answers 404 on the push path while push is disabled, and still listens', async (t) => {
    const server = await start(t, { push: false });
    const reply = await send(server.url, envelope(completionJson));
    assert.equal(reply.status, 404);
    assert.match(reply.body, /push is disabled/);
    assert.equal(server.received.length, 0);
    assert.equal(server.deadLetters.length, 0);
  });

  it('answers 404 to another path and 405 to another method', async (t) => {
    const server = await start(t);
    const origin = new URL(server.url).origin;
    assert.equal((await send(`${origin}/other`, envelope(completionJson))).status, 404);
    assert.equal((await send(`${origin}/`, undefined, {}, 'GET')).status, 404);
    const wrongMethod = await send(server.url, undefined, {}, 'GET');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.allow, 'POST');
    assert.equal(server.received.length, 0);
  });
});

describe('push endpoint: bearer token', () => {
  const pushToken = 's3cret-push-token';

  it('answers 401 without a token', async (t) => {
    const server = await start(t, { pushToken });
    const reply = await send(server.url, envelope(completionJson));
    assert.equal(reply.status, 401);
    assert.equal(reply.headers['www-authenticate'], 'Bearer');
    assert.equal(server.received.length, 0);
  });

  it('answers 401 with a wrong token', async (t) => {
    const server = await start(t, { pushToken });
    for (const authorization of [`Bearer ${pushToken}x`, 'Bearer s3cret', `Basic ${pushToken}`]) {
      const reply = await send(server.url, envelope(completionJson), { authorization });
      assert.equal(reply.status, 401, authorization);
    }
    assert.equal(server.received.length, 0);
  });

  it('accepts the right token', async (t) => {
    const server = await start(t, { pushToken });
    const reply = await send(server.url, envelope(completionJson), { authorization: `Bearer ${pushToken}` });
    assert.equal(reply.status, 204);
    assert.equal(server.received.length, 1);
  });
});

describe('push endpoint: Google OIDC token', () => {
  const kid = 'test-key-1';
  const audience = 'https://bridge.example.test/pubsub/push';
  const serviceAccount = 'pubsub-push@nba-props-platform.iam.gserviceaccount.com';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const certs = { [kid]: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  const client = new OAuth2Client();
  // google-auth-library's own checks (signature, iat/exp, issuer, audience), with the test's cert.
  const verifier: IdTokenVerifier = async (idToken, aud) =>
    (
      await client.verifySignedJwtWithCertsAsync(idToken, certs, aud, [
        'https://accounts.google.com',
        'accounts.google.com',
      ])
    ).getPayload();

  const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  function idToken(claims: Record<string, unknown> = {}, key: KeyObject = privateKey): string {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      iss: 'https://accounts.google.com',
      aud: audience,
      sub: '1234567890',
      email: serviceAccount,
      email_verified: true,
      iat: now,
      exp: now + 3600,
      ...claims,
    };
    const signingInput = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(payload)}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key).toString('base64url');
    return `${signingInput}.${signature}`;
  }

  const oidc = { pushAudience: audience, pushServiceAccount: serviceAccount };
  const push = (url: string, token?: string) =>
    send(url, envelope(completionJson), token === undefined ? {} : { authorization: `Bearer ${token}` });

  it('accepts a token for the audience from the service account', async (t) => {
    const server = await start(t, oidc, { verifier });
    const reply = await push(server.url, idToken());
    assert.equal(reply.status, 204);
    assert.equal(server.received.length, 1);
  });

  it('refuses to start with an audience but no service account: any Google-signed token would pass', async (t) => {
    await assert.rejects(start(t, { pushAudience: audience }, { verifier }), /BRIDGE_PUSH_SERVICE_ACCOUNT/);
  });

  it('answers 401 without a token', async (t) => {
    const server = await start(t, oidc, { verifier });
    assert.equal((await push(server.url)).status, 401);
    assert.equal(server.received.length, 0);
  });

  it('answers 401 to a token for another audience', async (t) => {
    const server = await start(t, oidc, { verifier });
    assert.equal((await push(server.url, idToken({ aud: 'https://elsewhere.example.test' }))).status, 401);
    assert.equal(server.received.length, 0);
  });

  it('answers 401 to an expired token', async (t) => {
    const server = await start(t, oidc, { verifier });
    // Past the library's 5-minute clock skew allowance.
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await push(server.url, idToken({ iat: now - 7200, exp: now - 3600 }))).status, 401);
    assert.equal(server.received.length, 0);
  });

  it('answers 401 to a token signed by another key or from another issuer', async (t) => {
    const server = await start(t, oidc, { verifier });
    assert.equal((await push(server.url, idToken({}, strangerKey))).status, 401);
    assert.equal((await push(server.url, idToken({ iss: 'https://evil.example.test' }))).status, 401);
    assert.equal((await push(server.url, 'not.a.jwt')).status, 401);
    assert.equal(server.received.length, 0);
  });

  it('answers 403 to a token from another account or with an unverified email', async (t) => {
    const server = await start(t, oidc, { verifier });
    assert.equal((await push(server.url, idToken({ email: 'intruder@example.test' }))).status, 403);
    assert.equal((await push(server.url, idToken({ email_verified: false }))).status, 403);
    assert.equal(server.received.length, 0);
  });

  it('lets a configured bearer token take precedence over OIDC', async (t) => {
    const server = await start(t, { ...oidc, pushToken: 'tok' }, { verifier });
    assert.equal((await push(server.url, idToken())).status, 401);
    assert.equal((await push(server.url, 'tok')).status, 204);
  });
});

describe('push endpoint: no authentication configured', () => {
  it('accepts loopback clients', async (t) => {
    const server = await start(t);
    assert.equal((await send(server.url, envelope(completionJson))).status, 204);
  });

  it('trusts this host only: 127.0.0.1, ::1 and ::ffff:127.0.0.1, not the rest of 127.0.0.0/8', () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      assert.equal(isLoopback(address), true, address);
    }
    for (const address of [
      '127.10.0.3',
      '127.0.0.2',
      '::ffff:127.0.1.1',
      '10.0.0.1',
      '::ffff:10.0.0.1',
      '192.168.1.127',
      'fe80::1',
      '',
      undefined,
    ]) {
      assert.equal(isLoopback(address), false, String(address));
    }
  });
});

describe('push envelope parsing', () => {
  it('takes the topic from the subscription name', () => {
    assert.equal(topicFromSubscription(SUBSCRIPTION), TOPIC);
    assert.equal(topicFromSubscription(`${TOPIC}-orchestrator`), undefined);
    assert.equal(topicFromSubscription(`projects/p/subscriptions/${TOPIC}`), undefined);
    assert.equal(topicFromSubscription(`projects/p/topics/${TOPIC}-orchestrator`), undefined);
    assert.equal(topicFromSubscription('projects/p/subscriptions/nba-phase5-trigger-orchestrator'), undefined);
    assert.equal(
      topicFromSubscription('projects/p/subscriptions/nba-phase6-export-trigger-orchestrator'),
      'nba-phase6-export-trigger',
    );
  });

  it('decodes a full envelope', () => {
    const result = parseEnvelope(envelope('{"a":1}', { attributes: { k: 'v' }, messageId: '42' }));
    assert.deepEqual(result, {
      ok: true,
      message: { topic: TOPIC, id: '42', data: Buffer.from('{"a":1}'), attributes: { k: 'v' } },
    });
  });
});
