// Pub/Sub push subscriptions in: one POST per message, answered with the handler's verdict as an
// HTTP status. Pub/Sub treats any non-2xx as a nack and redelivers (spaced by the subscription's
// retry policy), so a 5xx is for what may succeed later. What can never be accepted — a body that is
// not a push envelope, an unknown subscription, a body over the limit — is dead-lettered and answered
// 204, else Pub/Sub would redeliver it for the whole retention period. An envelope naming a
// subscription that is not one of the bridge's own is refused (403): nothing is signalled or
// dead-lettered for it, since its topic would be the sender's choice.
import { createServer, type IncomingMessage as HttpRequest, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../platform/config';
import type { DeadLetter } from '../messages/dead-letter';
import type { Handle, Verdict } from './handler';
import { pubsubLimits } from '../messages/limits';
import { authenticator, type IdTokenVerifier } from './push-auth';
import { parseEnvelope, topicFromSubscription } from './push-envelope';
import type { RouteHandler } from '../platform/telemetry/http';
import { errorMessage } from '../platform/errors';

export const PUSH_PATH = '/pubsub/push';

export interface PushServerOptions {
  /** Interface to listen on. Default: BRIDGE_HOST. */
  host?: string;
  /** Replaces the Google verifier (tests verify tokens signed with their own key). */
  verifier?: IdTokenVerifier;
  /** Other GET endpoints on the same port (/metrics, /healthz, /readyz), served without authentication. */
  routes?: Record<string, RouteHandler>;
}

export interface PushServer {
  /** Where to point the push subscription, with the port actually bound. */
  url: string;
  port: number;
  close(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

// Answers before the body was read, then drops the connection rather than read what is left of it.
function refuse(
  request: HttpRequest,
  response: ServerResponse,
  status: number,
  error: string,
  headers: Record<string, string> = {},
): void {
  request.pause();
  response.once('finish', () => request.socket.destroy());
  sendJson(response, status, { error }, { connection: 'close', ...headers });
}

interface Body {
  /** The body, or its first `keep` bytes when it was longer. */
  bytes: Buffer;
  /** The whole body's length. */
  size: number;
}

/**
 * Reads the body, keeping its first `keep` bytes and discarding the rest; 'too-large' as soon as
 * it passes `limit` bytes (reading stops there).
 */
function readBody(request: HttpRequest, keep: number, limit: number): Promise<Body | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let size = 0;
    const stop = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stop();
        resolve('too-large');
        return;
      }
      if (kept < keep) {
        const part = chunk.subarray(0, keep - kept);
        chunks.push(part);
        kept += part.length;
      }
    };
    const onEnd = () => {
      stop();
      resolve({ bytes: Buffer.concat(chunks, kept), size });
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => {
      stop();
      reject(new Error('client closed the connection before the body ended'));
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

export async function startPushServer(
  handle: Handle,
  deadLetter: DeadLetter,
  bridge: Config['bridge'],
  log: Logger,
  options: PushServerOptions = {},
): Promise<PushServer> {
  const host = options.host ?? bridge.host;
  const limit = bridge.maxPushBodyBytes;
  const authenticate = authenticator(bridge, options.verifier);

  /** Dead-letters what can never be accepted and answers 204; 503 if the dead letter failed. */
  async function refuseForGood(
    response: ServerResponse,
    rejected: Parameters<DeadLetter>[0],
    fields: object,
  ): Promise<void> {
    try {
      await deadLetter(rejected);
    } catch (error) {
      log.error(
        { ...fields, err: error, reason: rejected.reason },
        'dead-letter publish failed; Pub/Sub will redeliver',
      );
      return sendJson(response, 503, { error: 'could not dead-letter the request; Pub/Sub will redeliver' });
    }
    log.warn({ ...fields, reason: rejected.reason }, 'push request dead-lettered');
    response.writeHead(204).end();
  }

  async function serve(request: HttpRequest, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    const fields = { method: request.method, path, remote_address: request.socket.remoteAddress };
    const route = request.method === 'GET' && path !== undefined ? options.routes?.[path] : undefined;
    if (route) return route(request, response);
    if (path !== PUSH_PATH) return refuse(request, response, 404, `no such endpoint; push to ${PUSH_PATH}`);
    if (!bridge.push) return refuse(request, response, 404, 'push is disabled (BRIDGE_PUSH=false)');
    if (request.method !== 'POST') return refuse(request, response, 405, 'use POST', { allow: 'POST' });

    const auth = await authenticate(request);
    if (!auth.ok) {
      log.warn({ ...fields, status: auth.status, reason: auth.reason }, 'push request refused');
      const challenge: Record<string, string> = auth.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
      return refuse(request, response, auth.status, auth.reason, challenge);
    }

    // Past the largest body Pub/Sub can send, it is not Pub/Sub: refuse it without reading on.
    const declared = Number(request.headers['content-length'] ?? 0);
    const body =
      declared > pubsubLimits.pushBodyBytes ? 'too-large' : await readBody(request, limit, pubsubLimits.pushBodyBytes);
    if (body === 'too-large') {
      const reason = `body exceeds ${pubsubLimits.pushBodyBytes} bytes, more than Pub/Sub ever pushes`;
      log.warn({ ...fields, content_length: request.headers['content-length'], reason }, 'push body too large');
      return refuse(request, response, 413, reason);
    }
    if (body.size > limit) {
      // A push Pub/Sub would redeliver for days: keep its start (the envelope's head names it) as the dead letter.
      const reason = `oversized: push body of ${body.size} bytes exceeds the ${limit}-byte limit (BRIDGE_MAX_PUSH_BODY_BYTES); data is its first ${limit} bytes`;
      const message = { topic: '', id: '', data: body.bytes, attributes: {} };
      return refuseForGood(response, { message, reason }, { ...fields, body_bytes: body.size, limit });
    }

    const envelope = parseEnvelope(body.bytes.toString('utf8'));
    if (!envelope.ok && envelope.foreign) {
      const { reason, subscription, message_id } = envelope;
      log.warn({ ...fields, subscription, message_id, reason }, 'push request refused: not our subscription');
      return refuse(request, response, 403, reason);
    }
    if (!envelope.ok) {
      const { reason, subscription, message_id } = envelope;
      const topic = subscription === undefined ? undefined : topicFromSubscription(subscription);
      const message = { topic: topic ?? '', id: message_id ?? '', data: body.bytes, attributes: {} };
      return refuseForGood(
        response,
        { message, reason: `invalid: push envelope: ${reason}`, subscription },
        {
          ...fields,
          subscription,
          message_id,
          body_bytes: body.size,
        },
      );
    }

    const { message } = envelope;
    let verdict: Verdict;
    try {
      verdict = await handle(message);
    } catch (error) {
      log.error({ err: error, topic: message.topic, message_id: message.id }, 'handler failed');
      verdict = { action: 'nack', retryAfterSeconds: 10, error: errorMessage(error) };
    }
    if (verdict.action === 'ack') {
      response.writeHead(204).end();
      return;
    }
    sendJson(
      response,
      503,
      { error: 'not accepted yet; Pub/Sub will redeliver' },
      { 'retry-after': String(verdict.retryAfterSeconds) },
    );
  }

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      log.error({ err: error, path: request.url }, 'push request failed');
      if (response.headersSent) response.destroy();
      else refuse(request, response, 500, 'internal error; Pub/Sub will redeliver');
    });
  });

  // A body that never ends is dropped after a minute (Node's default waits five).
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bridge.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => log.error({ err: error }, 'push server error'));

  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`push server bound to ${String(address)}`);
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}${PUSH_PATH}`;

  const mode = bridge.pushToken ? 'bearer-token' : bridge.pushAudience ? 'oidc' : 'loopback-only';
  if (!bridge.push) {
    log.info({ push_url: url }, 'push endpoint disabled (BRIDGE_PUSH=false): it answers 404');
  } else {
    log.info({ push_url: url, auth: mode, max_push_body_bytes: limit }, 'push endpoint listening');
  }
  if (bridge.push && mode === 'loopback-only') {
    log.warn(
      { push_url: url },
      'push endpoint is unauthenticated (loopback clients only); set BRIDGE_PUSH_TOKEN or BRIDGE_PUSH_AUDIENCE',
    );
  }
  if (bridge.push && bridge.pushToken && bridge.pushAudience) {
    log.warn({ push_audience: bridge.pushAudience }, 'BRIDGE_PUSH_TOKEN is set, so BRIDGE_PUSH_AUDIENCE is ignored');
  }
  if (bridge.push && bridge.pushServiceAccount && mode !== 'oidc') {
    log.warn({ push_service_account: bridge.pushServiceAccount }, 'BRIDGE_PUSH_SERVICE_ACCOUNT only applies to OIDC');
  }
  // A message the handler would take must fit the push body, base64 and all.
  const largestEncoded = Math.ceil(bridge.maxMessageBytes / 3) * 4;
  if (bridge.push && limit < largestEncoded) {
    log.warn(
      { max_push_body_bytes: limit, max_message_bytes: bridge.maxMessageBytes },
      'push body limit is below an encoded max-size message: such pushes are dead-lettered with their first bytes only',
    );
  }

  return {
    url,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
