/**
 * `createCredentials`: personal access tokens and robot accounts, and how the registry's
 * credentials become principals. See README.md.
 */
import { findRobot } from '../../store/access/robots.js';
import type { Principal } from '../model.js';
import type { Credentials } from '../services.js';
import { userPrincipal, type CredentialsContext, type CredentialsOptions } from './context.js';

export { operator } from './context.js';
import { parseRobotName, robotPrefix } from './names.js';
import { parsePermissions } from './permissions.js';
import { robotMethods } from './robots.js';
import { looksLikeRobotSecret, secretMatches, tokenPrefix } from './secret.js';
import { tokenMethods } from './tokens.js';

/** Longest user name and password read from registry credentials. */
const maxUsernameLength = 256;
const maxPasswordLength = 1024;

/**
 * The credentials service over the shared database.
 * @example
 * const credentials = createCredentials({ database: stores.database, identity, audit });
 * const { token } = await credentials.createToken(user, { name: 'ci', scopes: ['registry:pull'] }, client);
 */
export function createCredentials(options: CredentialsOptions): Credentials {
  const context: CredentialsContext = { now: Date.now, ...options };
  const tokens = tokenMethods(context);
  const robots = robotMethods(context);

  /** The robot `name` names when it is usable now (enabled, not expired), else undefined. */
  const activeRobot = async (name: string, via: 'secret' | 'token', secret?: string) => {
    if (!parseRobotName(name)) return undefined;
    const row = await findRobot(context.database, name);
    if (!row || row.disabled) return undefined;
    if (row.expiresAt !== undefined && row.expiresAt <= context.now()) return undefined;
    if (secret !== undefined && !secretMatches(secret, row.secretHash)) return undefined;
    return {
      kind: 'robot',
      name: row.name,
      id: row.id,
      permissions: parsePermissions(row.permissions, row.project),
      via,
    } satisfies Principal;
  };

  return {
    ...tokens,
    ...robots,

    async authenticateRegistry(username, password, client) {
      if (username.length > maxUsernameLength || password.length > maxPasswordLength) {
        return undefined;
      }
      // A robot is only ever its secret; a user name never starts with `robot$` (its grammar).
      if (username.startsWith(robotPrefix)) {
        return looksLikeRobotSecret(password)
          ? activeRobot(username, 'secret', password)
          : undefined;
      }
      if (password.startsWith(tokenPrefix)) {
        const principal = await tokens.authenticateToken(password);
        return principal?.name === username ? principal : undefined;
      }
      return context.identity.checkRegistryPassword(username, password, client);
    },

    async resolveSubject(subject) {
      if (subject === '') return { kind: 'anonymous', name: '' };
      if (subject.startsWith(robotPrefix)) return activeRobot(subject, 'token');
      if (subject.length > maxUsernameLength) return undefined;
      const user = await context.identity.getUser(subject);
      if (!user || user.disabled) return undefined;
      return userPrincipal(user, 'token');
    },
  };
}
