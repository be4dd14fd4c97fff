/**
 * The token endpoint's URL that goes into `WWW-Authenticate: Bearer realm=…`. Clients must reach
 * it, so without a configured realm it is built from the request's `Host` header and protocol —
 * after checking that `Host` is a host name or address with an optional port, because it is
 * copied into a response header (no CR/LF, quotes or paths from a hostile client).
 */
import type { AccessRequest } from './types.js';

const maxHostLength = 261;
const hostHeader =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;

/** Path of the token endpoint on this server. */
export const tokenPath = '/auth/token';

/**
 * The realm for `request`: `configured` when set, else `<protocol>://<Host>/auth/token`. The
 * protocol is the request's `protocol` property when the caller passes one (Fastify requests
 * have it: `https` behind TLS), else `http`. A missing or invalid `Host` yields the bare path.
 */
export function realmFor(configured: string, request: AccessRequest): string {
  if (configured !== '') return configured;
  const host = request.headers.host;
  if (typeof host !== 'string' || host.length > maxHostLength || !hostHeader.test(host)) {
    return tokenPath;
  }
  const protocol = (request as { protocol?: unknown }).protocol === 'https' ? 'https' : 'http';
  return `${protocol}://${host}${tokenPath}`;
}
