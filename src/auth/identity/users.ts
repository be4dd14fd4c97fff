/**
 * User accounts: creation (system administrators, the CLI and the bootstrap), lookup, listing,
 * updates and deletion. A new password must pass the policy; a changed password, a disabled
 * account or a changed admin flag ends the user's sessions. No change may leave the deployment
 * without an enabled system administrator.
 */
import { randomUUID } from 'node:crypto';

import { deleteUserSessions } from '../../store/access/sessions.js';
import {
  deleteUserRow,
  findUserByName,
  findUserById,
  insertUser,
  listUserRows,
  updateUserRow,
  type UserChange,
  type UserRow,
} from '../../store/access/users.js';
import { AuthError } from '../errors.js';
import type { ClientInfo, Principal } from '../model.js';
import { hashPassword, verifyPassword } from '../password.js';
import type { Identity, UserInfo } from '../services.js';
import { recordAudit, toUserInfo, type IdentityContext } from './context.js';
import { checkEmail, checkNewUsername, isUsername } from './names.js';
import { checkPasswordPolicy } from './policy.js';

/** The largest page of {@link Identity.listUsers}. */
export const maxUserPage = 1000;

type UserInput = Parameters<Identity['createUser']>[0];
type UpdateInput = Parameters<Identity['updateUser']>[1];

function isSystemAdmin(actor: Principal | undefined): boolean {
  // No actor: the operator on the box (CLI) or Moat itself (bootstrap).
  return actor === undefined || (actor.kind === 'user' && actor.systemAdmin === true);
}

function denied(
  context: IdentityContext,
  actor: Principal | undefined,
  client: ClientInfo,
  action: string,
  target: string,
): AuthError {
  recordAudit(context, { actor, client, action, target, outcome: 'denied' });
  return new AuthError('ACCESS_DENIED', 'only a system administrator may do this');
}

/** Creates a user; `CONFLICT` when the name is taken (the first writer wins). */
export async function createUser(
  context: IdentityContext,
  input: UserInput,
  actor: Principal | undefined,
  client: ClientInfo,
): Promise<UserInfo> {
  const target = `user:${input.username}`;
  if (!isSystemAdmin(actor)) throw denied(context, actor, client, 'user.create', target);
  checkNewUsername(input.username);
  if (input.email !== undefined) checkEmail(input.email);
  await checkPasswordPolicy(input.password, input.username);
  const user: Omit<UserRow, 'totpSecretId' | 'totpPendingSecretId'> = {
    id: randomUUID(),
    username: input.username,
    email: input.email ?? null,
    passwordHash: await hashPassword(input.password),
    systemAdmin: input.systemAdmin ?? false,
    disabled: false,
    createdAt: context.now(),
  };
  if (!(await insertUser(context.database, user))) {
    throw new AuthError('CONFLICT', `user "${input.username}" already exists`);
  }
  recordAudit(context, {
    actor,
    client,
    action: 'user.create',
    target,
    outcome: 'success',
    details: { systemAdmin: user.systemAdmin },
  });
  return toUserInfo({ ...user, totpSecretId: null, totpPendingSecretId: null }, context.config);
}

/** The user with this name, or undefined (names outside the grammar are no one's). */
export async function getUserRow(
  context: IdentityContext,
  username: string,
): Promise<UserRow | undefined> {
  return isUsername(username) ? findUserByName(context.database, username) : undefined;
}

/** The user with this id, or undefined. */
export async function getUserRowById(
  context: IdentityContext,
  id: string,
): Promise<UserRow | undefined> {
  return id.length <= 64 ? findUserById(context.database, id) : undefined;
}

/** Users in username order. */
export async function listUsers(
  context: IdentityContext,
  page: { limit: number; after?: string },
): Promise<UserInfo[]> {
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > maxUserPage) {
    throw new AuthError('INVALID_REQUEST', `limit must be an integer from 1 to ${maxUserPage}`);
  }
  if (page.after !== undefined && page.after.length > 64) {
    throw new AuthError('INVALID_REQUEST', 'after must be a username');
  }
  const rows = await listUserRows(context.database, page);
  return rows.map((row) => toUserInfo(row, context.config));
}

/**
 * Changes a user. System administrators (and the CLI) may change anything; a user may change
 * their own email and password only.
 */
export async function updateUser(
  context: IdentityContext,
  username: string,
  change: UpdateInput,
  actor: Principal | undefined,
  client: ClientInfo,
): Promise<UserInfo> {
  const target = `user:${username}`;
  const self = actor?.kind === 'user' && actor.name === username;
  const privileged = change.systemAdmin !== undefined || change.disabled !== undefined;
  if (!isSystemAdmin(actor) && (!self || privileged)) {
    throw denied(context, actor, client, 'user.update', target);
  }
  const user = await getUserRow(context, username);
  if (!user) throw new AuthError('NOT_FOUND', `no user "${username}"`);
  if (change.password !== undefined && self) {
    await checkCurrentPassword(context, user, change.currentPassword, client);
  }
  const row: UserChange = {};
  if (change.email !== undefined) {
    if (change.email !== null) checkEmail(change.email);
    row.email = change.email;
  }
  if (change.password !== undefined) {
    await checkPasswordPolicy(change.password, username);
    row.passwordHash = await hashPassword(change.password);
  }
  if (change.systemAdmin !== undefined) row.systemAdmin = change.systemAdmin;
  if (change.disabled !== undefined) row.disabled = change.disabled;
  const outcome = await updateUserRow(context.database, user.id, row, context.now());
  if (outcome === 'unknown') throw new AuthError('NOT_FOUND', `no user "${username}"`);
  if (outcome === 'last-admin') {
    throw new AuthError('CONFLICT', 'this would leave no enabled system administrator');
  }
  if (row.passwordHash !== undefined || row.disabled === true || row.systemAdmin !== undefined) {
    await deleteUserSessions(context.database, user.id);
  }
  recordAudit(context, {
    actor,
    client,
    action: 'user.update',
    target,
    outcome: 'success',
    details: { fields: changedFields(change) },
  });
  const updated = await findUserById(context.database, user.id);
  if (!updated) throw new AuthError('NOT_FOUND', `no user "${username}"`);
  return toUserInfo(updated, context.config);
}

/** A user changing their own password proves the current one (throttled like a login). */
async function checkCurrentPassword(
  context: IdentityContext,
  user: UserRow,
  currentPassword: string | undefined,
  client: ClientInfo,
): Promise<void> {
  if (currentPassword === undefined) {
    throw new AuthError('INVALID_REQUEST', 'changing your password needs currentPassword');
  }
  await context.throttle.check(user.username, client.ip);
  if (!(await verifyPassword(currentPassword, user.passwordHash))) {
    await context.throttle.fail(user.username, client.ip);
    recordAudit(context, {
      actor: undefined,
      client,
      action: 'user.update',
      target: `user:${user.username}`,
      outcome: 'failure',
      details: { reason: 'wrong current password' },
    });
    throw new AuthError('UNAUTHENTICATED', 'the current password is wrong');
  }
}

function changedFields(change: UpdateInput): string {
  const fields = Object.entries(change).filter(
    ([key, value]) => value !== undefined && key !== 'currentPassword',
  );
  return fields
    .map(([key]) => key)
    .sort()
    .join(',');
}

/** Deletes a user and everything that belongs to it (system administrators and the CLI). */
export async function deleteUser(
  context: IdentityContext,
  username: string,
  actor: Principal | undefined,
  client: ClientInfo,
): Promise<void> {
  const target = `user:${username}`;
  if (!isSystemAdmin(actor)) throw denied(context, actor, client, 'user.delete', target);
  const user = await getUserRow(context, username);
  if (!user) throw new AuthError('NOT_FOUND', `no user "${username}"`);
  const outcome = await deleteUserRow(context.database, user.id);
  if (outcome === 'unknown') throw new AuthError('NOT_FOUND', `no user "${username}"`);
  if (outcome === 'last-admin') {
    throw new AuthError('CONFLICT', 'this would leave no enabled system administrator');
  }
  for (const id of [user.totpSecretId, user.totpPendingSecretId]) {
    if (id !== null) await context.secrets.remove(id);
  }
  recordAudit(context, { actor, client, action: 'user.delete', target, outcome: 'success' });
}

/** Ends every session of a user (system administrators, the user themself, the CLI). */
export async function revokeSessions(
  context: IdentityContext,
  username: string,
  actor: Principal | undefined,
  client: ClientInfo,
): Promise<number> {
  const target = `user:${username}`;
  const self = actor?.kind === 'user' && actor.name === username;
  if (!isSystemAdmin(actor) && !self) {
    throw denied(context, actor, client, 'auth.session.revoke', target);
  }
  const user = await getUserRow(context, username);
  if (!user) throw new AuthError('NOT_FOUND', `no user "${username}"`);
  const ended = await deleteUserSessions(context.database, user.id);
  recordAudit(context, {
    actor,
    client,
    action: 'auth.session.revoke',
    target,
    outcome: 'success',
    details: { sessions: ended },
  });
  return ended;
}
