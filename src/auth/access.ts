/**
 * The {@link Access} of `moat serve`: `Basic` credentials and `Bearer` tokens from `/auth/token`,
 * with the decision in {@link Authorizer.decide}. A request without valid credentials, or with a
 * token that lacks an action, gets a 401 whose challenge names the scope it needs — what
 * Distribution answers, and what makes docker, podman and skopeo fetch a new token.
 *
 * Anonymous clients may pull from public projects: without any credentials, or with the
 * anonymous token `/auth/token` hands out when no credentials come (docker's and skopeo's way).
 */
import { projectOf } from './projects/index.js';
import { realmFor } from './realm.js';
import { formatScope } from './scope.js';
import type { ClientInfo } from './model.js';
import type { Authorizer } from './services.js';
import { tokenCovers, verifyToken } from './tokens.js';
import type { TokenKey } from './token-key.js';
import {
  AccessError,
  type Access,
  type AccessRequest,
  type AccessScope,
  type Principal,
} from './types.js';

/** What the access check needs from the rest of the auth module. */
export interface AccessDependencies {
  key: TokenKey;
  service: string;
  /** Configured realm, or '' to derive it from each request. */
  realm: string;
  /** The principal a `Basic` header proves, or undefined. */
  authenticateBasic(header: string, client: ClientInfo): Promise<Principal | undefined>;
  /**
   * The principal a token's subject names as it is now (`Credentials.resolveSubject`), or
   * undefined when it no longer exists, is disabled or expired.
   */
  resolveSubject(subject: string): Promise<Principal | undefined>;
  authorizer: Pick<Authorizer, 'decide' | 'missingClassification'>;
}

const anonymous: Principal = { kind: 'anonymous', name: '' };

/** Builds the registry's {@link Access}. */
export function createAccess(deps: AccessDependencies): Access {
  return {
    async require(request: AccessRequest, scope: AccessScope): Promise<Principal> {
      const header = request.headers.authorization;
      const challenge = (error?: 'invalid_token' | 'insufficient_scope') =>
        bearerChallenge(realmFor(deps.realm, request), deps.service, scope, error);
      const unauthenticated = (message: string, error?: 'invalid_token' | 'insufficient_scope') =>
        new AccessError('UNAUTHENTICATED', message, { challenge: challenge(error) });

      let principal: Principal;
      if (typeof header !== 'string' || header === '') {
        // No credentials: `GET /v2/` answers the challenge that tells clients where to log in;
        // anything else is allowed when anonymous access grants it (a public project's pull).
        if (scope.actions.length === 0 || !(await grantsAll(deps, anonymous, scope))) {
          throw unauthenticated('authentication required');
        }
        return anonymous;
      } else if (/^basic /i.test(header)) {
        const proven = await deps.authenticateBasic(header, clientOf(request));
        if (!proven) throw unauthenticated('invalid user name or password');
        principal = proven;
      } else if (/^bearer /i.test(header)) {
        const token = await verifyToken(deps.key, deps.service, header.slice(7).trim());
        if (!token) throw unauthenticated('invalid or expired token', 'invalid_token');
        if (!tokenCovers(token.access, scope)) {
          throw unauthenticated('the token does not grant this access', 'insufficient_scope');
        }
        // The subject as it is now: a deleted or disabled user, or a robot whose permissions
        // shrank, loses what the token said before it expires.
        const resolved =
          token.subject === '' ? anonymous : await deps.resolveSubject(token.subject);
        if (!resolved) throw unauthenticated('the token names an unknown subject', 'invalid_token');
        principal = resolved;
      } else {
        throw unauthenticated('unsupported authorization scheme');
      }
      // A repository scope that asks for no action (`GET /v2/`) only authenticates.
      if (scope.actions.length === 0) return principal;
      if (!(await grantsAll(deps, principal, scope))) {
        // An anonymous client is asked to authenticate rather than refused: it may have
        // credentials that grant more.
        if (principal.kind === 'anonymous') throw unauthenticated('authentication required');
        throw new AccessError('ACCESS_DENIED', `access to ${formatScope(scope)} denied`, {
          principal,
        });
      }
      return principal;
    },

    missingClassification(principal, repository, labels) {
      return deps.authorizer.missingClassification(principal, projectOf(repository), labels);
    },
  };
}

/** True when the policy grants every action of `scope` to `principal`. */
async function grantsAll(
  deps: AccessDependencies,
  principal: Principal,
  scope: AccessScope,
): Promise<boolean> {
  const granted = (await deps.authorizer.decide(principal, scope)).actions as string[];
  return granted.includes('*') || scope.actions.every((action) => granted.includes(action));
}

function clientOf(request: AccessRequest): ClientInfo {
  const userAgent = request.headers['user-agent'];
  return typeof userAgent === 'string' ? { ip: request.ip, userAgent } : { ip: request.ip };
}

/** `Bearer realm="…",service="…"[,scope="…"][,error="…"]` (RFC 6750 §3, as Distribution writes it). */
export function bearerChallenge(
  realm: string,
  service: string,
  scope: AccessScope,
  error?: 'invalid_token' | 'insufficient_scope',
): string {
  let value = `Bearer realm=${quote(realm)},service=${quote(service)}`;
  // `GET /v2/` asks for no action: Distribution's challenge then names no scope.
  if (scope.actions.length > 0) value += `,scope=${quote(formatScope(scope))}`;
  if (error) value += `,error=${quote(error)}`;
  return value;
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, '')}"`;
}
