/**
 * Who calls `/api/v1`: a personal access token (`Authorization: Bearer …`, scope `api:read` for
 * reads and `api:write` for writes, no CSRF token since a browser never sends one on its own) or
 * the `moat_session` cookie (every write must carry `X-CSRF-Token` equal to the session's,
 * compared in constant time). A request with neither has no caller.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import type { FastifyRequest } from 'fastify';

import { AuthError } from '../../auth/errors.js';
import type { Credentials, Identity } from '../../auth/services.js';
import { readSessionCookie } from './cookie.js';
import type { ApiCaller } from './types.js';

/** Longest bearer token read (a personal access token is ~50 characters). */
const maxBearerLength = 512;

/** The services that prove a caller. */
export interface CallerServices {
  identity: Identity;
  credentials: Credentials;
}

/** True for the methods that change something (and so need `api:write` or the CSRF token). */
export function isWrite(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}

/**
 * The caller of a request, undefined without credentials. Throws `UNAUTHENTICATED` for a token or
 * session that proves nothing, `ACCESS_DENIED` for a token without the scope the method needs,
 * `CSRF_INVALID` for a cookie-authenticated write without the session's CSRF token.
 */
export async function authenticateCaller(
  services: CallerServices,
  request: FastifyRequest,
): Promise<ApiCaller | undefined> {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization !== '') {
    return bearerCaller(services, authorization, request.method);
  }
  const token = readSessionCookie(request.headers.cookie);
  if (token === undefined) return undefined;
  const session = await services.identity.authenticateSession(token);
  if (!session) throw new AuthError('UNAUTHENTICATED', 'the session has expired or ended');
  if (isWrite(request.method) && !sameSecret(request.headers['x-csrf-token'], session.csrfToken)) {
    throw new AuthError(
      'CSRF_INVALID',
      'a cookie-authenticated write needs the X-CSRF-Token header',
    );
  }
  return {
    principal: { ...session.principal, via: 'session' },
    via: 'session',
    sessionIdHash: session.idHash,
  };
}

async function bearerCaller(
  services: CallerServices,
  authorization: string,
  method: string,
): Promise<ApiCaller> {
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  const token = match?.[1];
  if (token === undefined || token.length > maxBearerLength) {
    throw new AuthError(
      'UNAUTHENTICATED',
      'expected Authorization: Bearer <personal access token>',
    );
  }
  const principal = await services.credentials.authenticateToken(token);
  if (!principal) {
    throw new AuthError('UNAUTHENTICATED', 'the token is unknown, revoked or expired');
  }
  const needed = isWrite(method) ? 'api:write' : 'api:read';
  if (!(principal.tokenScopes ?? []).includes(needed)) {
    throw new AuthError('ACCESS_DENIED', `the token lacks the ${needed} scope`);
  }
  return { principal: { ...principal, via: 'pat' }, via: 'pat' };
}

/** Constant-time comparison of a header against the session's CSRF token. */
function sameSecret(header: string | string[] | undefined, expected: string): boolean {
  if (typeof header !== 'string' || header === '' || header.length > maxBearerLength) return false;
  // Equal-length digests, so that neither the content nor the length leaks through timing.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(header), digest(expected));
}
