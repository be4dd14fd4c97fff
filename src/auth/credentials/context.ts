/** What every part of the credentials service shares: the database, the users, the audit log and a clock. */
import type { StoreDatabase } from '../../store/metadata/database.js';
import { AuthError } from '../errors.js';
import type { AuditRecorder, Principal } from '../model.js';
import type { Identity, UserInfo, UserPrincipal } from '../services.js';

/** The dependencies of {@link createCredentials} (in `index.ts`). */
export interface CredentialsOptions {
  database: StoreDatabase;
  identity: Identity;
  audit: AuditRecorder;
  /** Milliseconds since the epoch; `Date.now` by default (tests move it). */
  now?: () => number;
}

/** The options with the clock filled in. */
export type CredentialsContext = Required<CredentialsOptions>;

/** The principal of a user as a credential proves it. */
export function userPrincipal(
  user: UserInfo,
  via: NonNullable<UserPrincipal['via']>,
): UserPrincipal {
  return {
    kind: 'user',
    name: user.username,
    id: user.id,
    systemAdmin: user.systemAdmin,
    via,
    ...(user.mustEnrolTwoFactor ? { mustEnrolTwoFactor: true } : {}),
  };
}

/** True for a system administrator (the only principal that manages system robots). */
export function isSystemAdmin(principal: Principal): boolean {
  return principal.kind === 'user' && principal.systemAdmin === true;
}

/** The furthest expiry accepted for a token or a robot. */
const maxLifetimeMs = 5 * 366 * 24 * 3600 * 1000;

/** An expiry as stored (ms), after checking it lies in the future and within five years. */
export function checkExpiry(expiresAt: Date | undefined, now: number): number | undefined {
  if (expiresAt === undefined) return undefined;
  const time = expiresAt.getTime();
  if (!Number.isFinite(time) || time <= now || time > now + maxLifetimeMs) {
    throw new AuthError('INVALID_REQUEST', 'expiresAt: a time in the next five years');
  }
  return time;
}
