/**
 * The one cookie of `/api/v1`, `moat_session`, parsed and written by hand: `cookie` ≥ 1 and
 * `@fastify/cookie` 11 need Node 22, and one cookie of a known shape needs no library. The value
 * is the session token (base64url, so never quoted or escaped); HttpOnly and SameSite=Strict
 * always, Secure when the request came over TLS.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The session cookie's name. */
export const sessionCookieName = 'moat_session';

/** A session token is base64url; anything else in the cookie is not ours and is ignored. */
const tokenPattern = /^[A-Za-z0-9_-]{16,256}$/;
/** Longest `Cookie` header read (browsers send at most a few KiB per site). */
const maxCookieHeaderLength = 8192;

/**
 * The session token of a request's `Cookie` header, or undefined when there is none or it is
 * malformed (the first `moat_session` wins, as browsers order the most specific path first).
 * @example readSessionCookie('theme=dark; moat_session=abc…') // → 'abc…'
 */
export function readSessionCookie(header: string | undefined): string | undefined {
  if (header === undefined || header.length > maxCookieHeaderLength) return undefined;
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== sessionCookieName) continue;
    const value = pair.slice(equals + 1).trim();
    return tokenPattern.test(value) ? value : undefined;
  }
  return undefined;
}

/**
 * Sets the session cookie on a reply: HttpOnly, SameSite=Strict, Path=/, Secure over TLS, and an
 * `Expires` at the session's absolute end.
 * @example setSessionCookie(request, reply, session.token, session.expiresAt);
 */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  expiresAt: Date,
): void {
  if (!tokenPattern.test(token)) throw new Error('a session token must be base64url');
  void reply.header(
    'set-cookie',
    cookieLine(`${sessionCookieName}=${token}`, request, `Expires=${expiresAt.toUTCString()}`),
  );
}

/** Clears the session cookie (logout). */
export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.header(
    'set-cookie',
    cookieLine(
      `${sessionCookieName}=`,
      request,
      'Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0',
    ),
  );
}

function cookieLine(nameValue: string, request: FastifyRequest, expiry: string): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${nameValue}; Path=/; ${expiry}; HttpOnly; SameSite=Strict${secure}`;
}
