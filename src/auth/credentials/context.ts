/** What every part of the credentials service shares: the database, the users, the audit log and a clock. */
import type { StoreDatabase } from '../../store/metadata/database.js';
import { AuthError } from '../errors.js';
import { auditActor, type AuditEvent, type AuditRecorder, type Principal } from '../model.js';
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

/**
 * The principal of a user as a personal access token (or a registry token issued for one) proves
 * it. `mustEnrolTwoFactor` is not carried: the second-factor rule bars sessions and passwords,
 * and a token exists only once its user has enrolled (the API creates tokens from a full session)
 * or because an operator on the box created it (`moat admin token create`).
 */
export function userPrincipal(user: UserInfo, via: 'pat' | 'token'): UserPrincipal {
  return { kind: 'user', name: user.username, id: user.id, systemAdmin: user.systemAdmin, via };
}

/**
 * The principal of an operator on the box (`moat admin token|robot …`): a system administrator
 * named `system`, a name no user can have. The audit log shows it as actor kind `system`.
 */
export const operator: UserPrincipal = { kind: 'user', name: 'system', systemAdmin: true };

/** The audit actor fields of `principal` ({@link operator} as `system`). */
export function auditActorOf(principal: Principal): Pick<AuditEvent, 'actor' | 'actorKind'> {
  return principal === operator ? { actor: 'system', actorKind: 'system' } : auditActor(principal);
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
