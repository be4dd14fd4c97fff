/**
 * Login sessions. The cookie carries 256 random bits (base64url); the database keeps only their
 * SHA-256, so a database dump opens no session. A session ends at its absolute expiry
 * (`sessionMaxAgeMs` after login) or after `sessionIdleTimeoutMs` without a request; its user
 * being disabled or deleted ends it too. Each session has its own CSRF token.
 */
import { createHash, randomBytes } from 'node:crypto';

import {
  deleteExpiredSessions,
  deleteSession,
  findSession,
  insertSession,
  touchSession,
} from '../../store/access/sessions.js';
import { findUserById, type UserRow } from '../../store/access/users.js';
import type { ClientInfo } from '../model.js';
import type { ActiveSession, NewSession } from '../services.js';
import { mustEnrol, toPrincipal, toUserInfo, type IdentityContext } from './context.js';

const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
/** The idle clock moves at most this often per session (one write per minute, not per request). */
const touchIntervalMs = 60_000;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Opens a session for a user who has just proved who they are. */
export async function openSession(
  context: IdentityContext,
  user: UserRow,
  client: ClientInfo,
): Promise<NewSession> {
  const now = context.now();
  const { sessionIdleTimeoutMs, sessionMaxAgeMs } = context.config;
  // Expired sessions are swept at each login: no background job is needed to keep the table small.
  await deleteExpiredSessions(context.database, now, sessionIdleTimeoutMs);
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = now + sessionMaxAgeMs;
  await insertSession(context.database, {
    idHash: sha256(token),
    userId: user.id,
    csrfToken,
    clientIp: client.ip.slice(0, 64),
    createdAt: now,
    lastSeenAt: now,
    expiresAt,
  });
  return {
    token,
    csrfToken,
    user: toUserInfo(user, context.config),
    mustEnrolTwoFactor: mustEnrol(user, context.config),
    expiresAt: new Date(expiresAt),
  };
}

/** The live session a cookie token names, moving its idle clock; undefined otherwise. */
export async function findActiveSession(
  context: IdentityContext,
  token: string,
): Promise<ActiveSession | undefined> {
  if (!tokenPattern.test(token)) return undefined;
  const idHash = sha256(token);
  const session = await findSession(context.database, idHash);
  if (!session) return undefined;
  const now = context.now();
  const idle = now - session.lastSeenAt >= context.config.sessionIdleTimeoutMs;
  if (now >= session.expiresAt || idle) {
    await deleteSession(context.database, idHash);
    return undefined;
  }
  const user = await findUserById(context.database, session.userId);
  if (!user || user.disabled) {
    await deleteSession(context.database, idHash);
    return undefined;
  }
  if (
    now - session.lastSeenAt >=
    Math.min(touchIntervalMs, context.config.sessionIdleTimeoutMs / 10)
  ) {
    await touchSession(context.database, idHash, now);
  }
  return {
    principal: toPrincipal(user, 'session', context.config),
    csrfToken: session.csrfToken,
    idHash,
  };
}
