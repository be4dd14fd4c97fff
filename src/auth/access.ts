/**
 * The {@link Access} of `moat serve` for issue 10: `Basic` credentials and `Bearer` tokens from
 * `/auth/token`, with the decision in {@link decide}. A request without valid credentials, or
 * with a token that lacks an action, gets a 401 whose challenge names the scope it needs — what
 * Distribution answers, and what makes docker, podman and skopeo fetch a new token.
 */
import { decide } from './decide.js';
import { realmFor } from './realm.js';
import { formatScope } from './scope.js';
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
  authenticateBasic(header: string): Promise<Principal | undefined>;
}

/** Builds the registry's {@link Access}. */
export function createAccess(deps: AccessDependencies): Access {
  return {
    async require(request: AccessRequest, scope: AccessScope): Promise<Principal> {
      const header = request.headers.authorization;
      const challenge = (error?: 'invalid_token' | 'insufficient_scope') =>
        bearerChallenge(realmFor(deps.realm, request), deps.service, scope, error);
      if (typeof header !== 'string' || header === '') {
        throw new AccessError('UNAUTHENTICATED', 'authentication required', {
          challenge: challenge(),
        });
      }
      let principal: Principal | undefined;
      if (/^basic /i.test(header)) {
        principal = await deps.authenticateBasic(header);
        if (!principal) {
          throw new AccessError('UNAUTHENTICATED', 'invalid user name or password', {
            challenge: challenge(),
          });
        }
      } else if (/^bearer /i.test(header)) {
        const token = await verifyToken(deps.key, deps.service, header.slice(7).trim());
        if (!token) {
          throw new AccessError('UNAUTHENTICATED', 'invalid or expired token', {
            challenge: challenge('invalid_token'),
          });
        }
        if (!tokenCovers(token.access, scope)) {
          throw new AccessError('UNAUTHENTICATED', 'the token does not grant this access', {
            challenge: challenge('insufficient_scope'),
          });
        }
        principal =
          token.subject === ''
            ? { kind: 'anonymous', name: '' }
            : { kind: 'user', name: token.subject };
      } else {
        throw new AccessError('UNAUTHENTICATED', 'unsupported authorization scheme', {
          challenge: challenge(),
        });
      }
      // The token said yes when it was issued; the policy decides again, so that a narrower
      // policy (issue 11) applies before a token expires.
      const granted = decide(principal, scope);
      if (!scope.actions.every((action) => (granted.actions as string[]).includes(action))) {
        throw new AccessError('ACCESS_DENIED', `access to ${formatScope(scope)} denied`);
      }
      return principal;
    },
  };
}

/** `Bearer realm="…",service="…",scope="…"[,error="…"]` (RFC 6750 §3, as Distribution writes it). */
export function bearerChallenge(
  realm: string,
  service: string,
  scope: AccessScope,
  error?: 'invalid_token' | 'insufficient_scope',
): string {
  let value = `Bearer realm=${quote(realm)},service=${quote(service)},scope=${quote(formatScope(scope))}`;
  if (error) value += `,error=${quote(error)}`;
  return value;
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, '')}"`;
}
