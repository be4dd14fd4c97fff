/**
 * The identity service (issue 11): users, argon2id passwords and their policy, login throttling,
 * TOTP with recovery codes, sessions, and the registry's password grant. Implements
 * {@link Identity} over the access tables of the shared metadata database.
 */
import type { StoreDatabase } from '../../store/metadata/database.js';
import { deleteSession } from '../../store/access/sessions.js';
import type { AuditRecorder, SecretBox } from '../model.js';
import type { Identity } from '../services.js';
import { toUserInfo, type IdentityConfig, type IdentityContext } from './context.js';
import { checkRegistryPassword, login } from './login.js';
import { beginTotp, confirmTotp, disableTotp } from './second-factor.js';
import { findActiveSession } from './sessions.js';
import { LoginThrottle } from './throttle.js';
import {
  createUser,
  deleteUser,
  getUserRow,
  getUserRowById,
  listUsers,
  revokeSessions,
  updateUser,
} from './users.js';

export { bootstrapAdmin } from './bootstrap.js';
export type { IdentityConfig } from './context.js';

/** What {@link createIdentity} needs. */
export interface IdentityOptions {
  database: StoreDatabase;
  secrets: SecretBox;
  audit: AuditRecorder;
  /** The `auth` configuration (`ServeConfig['auth']` fits). */
  config: IdentityConfig;
  /** The clock, in milliseconds since the epoch (tests move it instead of sleeping). */
  now?: () => number;
}

/**
 * The identity service over the shared database.
 * @example
 * const identity = createIdentity({ database: stores.database, secrets, audit, config: config.auth });
 * const session = await identity.login({ username: 'alice', password }, { ip: '127.0.0.1' });
 */
export function createIdentity(options: IdentityOptions): Identity {
  const now = options.now ?? Date.now;
  const context: IdentityContext = {
    database: options.database,
    secrets: options.secrets,
    audit: options.audit,
    config: options.config,
    now,
    throttle: new LoginThrottle(options.database, options.config, now),
  };
  const info = (row: Parameters<typeof toUserInfo>[0] | undefined) =>
    row && toUserInfo(row, context.config);
  return {
    createUser: (input, actor, client) => createUser(context, input, actor, client),
    getUser: async (username) => info(await getUserRow(context, username)),
    getUserById: async (id) => info(await getUserRowById(context, id)),
    listUsers: (page) => listUsers(context, page),
    updateUser: (username, change, actor, client) =>
      updateUser(context, username, change, actor, client),
    deleteUser: (username, actor, client) => deleteUser(context, username, actor, client),
    login: (input, client) => login(context, input, client),
    authenticateSession: (token) => findActiveSession(context, token),
    logout: (idHash) => deleteSession(context.database, idHash),
    revokeSessions: (username, actor, client) => revokeSessions(context, username, actor, client),
    checkRegistryPassword: (username, password, client) =>
      checkRegistryPassword(context, username, password, client),
    beginTotp: (user) => beginTotp(context, user),
    confirmTotp: (user, code, client) => confirmTotp(context, user, code, client),
    disableTotp: (user, input, client) => disableTotp(context, user, input, client),
  };
}
