/**
 * What every part of the identity service shares: the database, the secret box, the audit
 * recorder, the configuration and the clock; and the two views of a user row (the API's
 * {@link UserInfo}, the authorisation's principal).
 */
import type { StoreDatabase } from '../../store/metadata/database.js';
import type { UserRow } from '../../store/access/users.js';
import type { AuditOutcome, AuditRecorder, ClientInfo, Principal, SecretBox } from '../model.js';
import { auditActor } from '../model.js';
import type { UserInfo, UserPrincipal } from '../services.js';
import type { LoginThrottle } from './throttle.js';

/** The `auth` configuration keys the identity service reads (see `docs/configuration.md`). */
export interface IdentityConfig {
  /** Who must enrol a second factor before doing anything else. */
  requireTwoFactor: 'admins' | 'all';
  sessionIdleTimeoutMs: number;
  sessionMaxAgeMs: number;
  /** Failed logins (per user; four times as many per address) before a temporary lockout. */
  lockoutThreshold: number;
  /** The longest lockout; the backoff doubles up to it. */
  lockoutDurationMs: number;
}

/** The identity service's dependencies. */
export interface IdentityContext {
  database: StoreDatabase;
  secrets: SecretBox;
  audit: AuditRecorder;
  config: IdentityConfig;
  /** Milliseconds since the epoch (injectable for tests of expiry, lockout and TOTP steps). */
  now: () => number;
  throttle: LoginThrottle;
}

/** True while `user` must enrol a second factor (configuration × admin × enrolled). */
export function mustEnrol(user: UserRow, config: IdentityConfig): boolean {
  if (user.totpSecretId !== null) return false;
  return config.requireTwoFactor === 'all' || user.systemAdmin;
}

/** A user row as the API shows it. */
export function toUserInfo(user: UserRow, config: IdentityConfig): UserInfo {
  return {
    id: user.id,
    username: user.username,
    ...(user.email !== null ? { email: user.email } : {}),
    systemAdmin: user.systemAdmin,
    disabled: user.disabled,
    totpEnabled: user.totpSecretId !== null,
    mustEnrolTwoFactor: mustEnrol(user, config),
    createdAt: new Date(user.createdAt),
  };
}

/** The principal a user row proves through `via`. */
export function toPrincipal(
  user: UserRow,
  via: NonNullable<UserPrincipal['via']>,
  config: IdentityConfig,
): UserPrincipal {
  return {
    kind: 'user',
    name: user.username,
    id: user.id,
    systemAdmin: user.systemAdmin,
    via,
    mustEnrolTwoFactor: mustEnrol(user, config),
  };
}

/** Records an audit event; `actor` undefined is Moat itself (the CLI, the bootstrap). */
export function recordAudit(
  context: IdentityContext,
  event: {
    actor: Principal | undefined;
    client: ClientInfo;
    action: string;
    target: string;
    outcome: AuditOutcome;
    details?: Record<string, string | number | boolean | null>;
  },
): void {
  context.audit.record({
    ...(event.actor ? auditActor(event.actor) : { actor: 'system', actorKind: 'system' }),
    clientIp: event.client.ip,
    action: event.action,
    target: event.target,
    outcome: event.outcome,
    ...(event.details ? { details: event.details } : {}),
  });
}
