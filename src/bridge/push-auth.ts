// Who may push: a shared bearer token, a Google-signed OIDC token from one service account, or,
// with neither configured, only clients on this host.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage as HttpRequest } from 'node:http';
import { OAuth2Client, type TokenPayload } from 'google-auth-library';
import type { Config } from '../platform/config';
import { errorMessage } from '../platform/errors';

/** Verifies a Google-signed ID token for `audience`; resolves its claims, throws why not. */
export type IdTokenVerifier = (idToken: string, audience: string) => Promise<TokenPayload | undefined>;

/** The production verifier: Google's published certs, fetched and cached by google-auth-library. */
export function googleIdTokenVerifier(client: OAuth2Client = new OAuth2Client()): IdTokenVerifier {
  return async (idToken, audience) => (await client.verifyIdToken({ idToken, audience })).getPayload();
}

/** This host itself, and nothing else: not the rest of 127.0.0.0/8 (a container's or a proxy's). */
const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK_ADDRESSES.has(address);
}

function bearerToken(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
}

// Hashing first gives equal lengths, so the comparison time reveals nothing about the token.
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

// google-auth-library puts the whole token (or its claims) after the first colon; keep it out of logs.
function verificationFailure(error: unknown): string {
  const message = errorMessage(error);
  return message.split(':')[0] ?? message;
}

export type AuthResult = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** Synchronous for a token or loopback check, asynchronous when it verifies an OIDC token. */
export type Authenticate = (request: HttpRequest) => AuthResult | Promise<AuthResult>;

/** The bearer token if set, else OIDC if an audience is set, else loopback clients only. */
export function authenticator(bridge: Config['bridge'], verifier: IdTokenVerifier | undefined): Authenticate {
  const { pushToken, pushAudience, pushServiceAccount } = bridge;
  if (pushToken) {
    return (request) => {
      const token = bearerToken(request.headers.authorization);
      if (token === undefined) return { ok: false, status: 401, reason: 'missing bearer token' };
      return sameSecret(token, pushToken) ? { ok: true } : { ok: false, status: 401, reason: 'wrong bearer token' };
    };
  }
  if (pushAudience) {
    // Without it, a token Google signed for any service account, of any project, would pass.
    if (!pushServiceAccount) throw new Error('BRIDGE_PUSH_AUDIENCE needs BRIDGE_PUSH_SERVICE_ACCOUNT');
    const verify = verifier ?? googleIdTokenVerifier();
    return async (request) => {
      const token = bearerToken(request.headers.authorization);
      if (token === undefined) return { ok: false, status: 401, reason: 'missing OIDC bearer token' };
      let claims: TokenPayload | undefined;
      try {
        claims = await verify(token, pushAudience);
      } catch (error) {
        return { ok: false, status: 401, reason: `OIDC token rejected: ${verificationFailure(error)}` };
      }
      if (!claims) return { ok: false, status: 401, reason: 'OIDC token has no claims' };
      if (claims.email !== pushServiceAccount || claims.email_verified !== true) {
        return { ok: false, status: 403, reason: `OIDC token is not from ${pushServiceAccount} (verified)` };
      }
      return { ok: true };
    };
  }
  return (request) =>
    isLoopback(request.socket.remoteAddress)
      ? { ok: true }
      : { ok: false, status: 403, reason: 'unauthenticated endpoint accepts loopback clients only' };
}
