/**
 * Registry tokens: ES256 JWTs as the Docker token spec describes them (`iss`, `sub`, `aud`, `exp`,
 * `nbf`, `iat`, `jti`, and `access: [{type, name, actions}]` exactly as granted), signed with the
 * registry's {@link TokenKey} and verified against it.
 */
import { randomUUID } from 'node:crypto';

import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

import type { RequestedScope } from './scope.js';
import type { TokenKey } from './token-key.js';

/** Clock skew tolerated between the nodes that issue and verify, seconds. */
const clockToleranceSeconds = 30;
/** Longest token accepted (ours are well under 2 KiB even with 32 scopes). */
const maxTokenLength = 16 * 1024;

/** One granted resource in a token's `access` claim. */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

/** A signed token and what the token endpoint reports about it. */
export interface IssuedToken {
  token: string;
  expiresIn: number;
  issuedAt: Date;
  access: TokenAccess[];
}

/** What a verified token says. */
export interface VerifiedToken {
  subject: string;
  access: TokenAccess[];
}

const accessClaim = z
  .array(
    z.object({
      type: z.string().max(64),
      name: z.string().max(512),
      actions: z.array(z.string().max(32)).max(16),
    }),
  )
  .max(64);

/**
 * Signs a token for `subject` granting `granted` (resources with no action are left out); `now`
 * (ms since the epoch, `Date.now` by default) is the issue time.
 */
export async function signToken(
  key: TokenKey,
  options: {
    service: string;
    subject: string;
    granted: RequestedScope[];
    ttlSeconds: number;
    now?: number;
  },
): Promise<IssuedToken> {
  const issuedAt = new Date(options.now ?? Date.now());
  const now = Math.floor(issuedAt.getTime() / 1000);
  const access: TokenAccess[] = options.granted
    .filter((scope) => scope.actions.length > 0)
    .map((scope) => ({ type: scope.type, name: scope.name, actions: [...scope.actions] }));
  const token = await new SignJWT({ access })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: key.kid })
    .setIssuer(options.service)
    .setSubject(options.subject)
    .setAudience(options.service)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + options.ttlSeconds)
    .setJti(randomUUID())
    .sign(key.privateKey);
  return { token, expiresIn: options.ttlSeconds, issuedAt, access };
}

/**
 * Verifies signature, algorithm (ES256 only: `none`, HMAC and RSA are refused whatever the header
 * says), issuer, audience and lifetime (`exp`, `nbf`, with {@link clockToleranceSeconds}); undefined
 * for any token that is not one of ours and valid at `now` (ms, `Date.now` by default).
 */
export async function verifyToken(
  key: TokenKey,
  service: string,
  token: string,
  now?: number,
): Promise<VerifiedToken | undefined> {
  if (token.length > maxTokenLength) return undefined;
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: ['ES256'],
      issuer: service,
      audience: service,
      clockTolerance: clockToleranceSeconds,
      requiredClaims: ['exp', 'sub'],
      ...(now !== undefined ? { currentDate: new Date(now) } : {}),
    });
    const access = accessClaim.safeParse(payload.access ?? []);
    if (!access.success || payload.sub === undefined) return undefined;
    return { subject: payload.sub, access: access.data };
  } catch {
    return undefined;
  }
}

/** True when `access` grants every one of `actions` on the resource (`*` grants all). */
export function tokenCovers(
  access: TokenAccess[],
  scope: { type: string; name: string; actions: readonly string[] },
): boolean {
  const granted = new Set<string>();
  for (const entry of access) {
    if (entry.type !== scope.type || entry.name !== scope.name) continue;
    for (const action of entry.actions) granted.add(action);
  }
  return granted.has('*') || scope.actions.every((action) => granted.has(action));
}
