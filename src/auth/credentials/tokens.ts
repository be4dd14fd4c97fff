/**
 * Personal access tokens: created by their owner (or an operator through the CLI), shown once,
 * stored as a SHA-256, listed, revoked, and proven on `/api/v1` (`Bearer`) and at the registry
 * (as the password). A token proves its user with the token's scopes, and no more.
 */
import { randomUUID } from 'node:crypto';

import {
  countActiveTokens,
  findTokenByHash,
  insertToken,
  listUserTokens,
  revokeUserToken,
  touchToken,
  type TokenRow,
} from '../../store/access/tokens.js';
import { AuthError } from '../errors.js';
import { tokenScopes, type ClientInfo, type TokenScope } from '../model.js';
import type { Credentials, TokenInfo, UserPrincipal } from '../services.js';
import { auditActorOf, checkExpiry, userPrincipal, type CredentialsContext } from './context.js';
import { checkTokenName } from './names.js';
import { isList } from './permissions.js';
import { generateToken, hashSecret, looksLikeToken } from './secret.js';

/** Most unrevoked tokens one user may hold. */
const maxTokensPerUser = 100;
/** Most tokens listed (revoked ones included). */
const maxListed = 500;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type TokenMethods = Pick<
  Credentials,
  'createToken' | 'listTokens' | 'revokeToken' | 'authenticateToken'
>;

/** The personal-access-token half of `Credentials`. */
export function tokenMethods(context: CredentialsContext): TokenMethods {
  const { database, identity, now } = context;

  const ownerId = async (user: UserPrincipal): Promise<string> => {
    const info = user.id !== undefined ? await identity.getUserById(user.id) : undefined;
    const found = info ?? (await identity.getUser(user.name));
    if (!found || found.username !== user.name) {
      throw new AuthError('NOT_FOUND', `user ${user.name} not found`);
    }
    return found.id;
  };

  return {
    async createToken(user, input, client) {
      const name = checkTokenName(input.name);
      const scopes = checkScopes(input.scopes);
      const time = now();
      const expiresAt = checkExpiry(input.expiresAt, time);
      const userId = await ownerId(user);
      if ((await countActiveTokens(database, userId)) >= maxTokensPerUser) {
        throw new AuthError(
          'CONFLICT',
          `at most ${maxTokensPerUser} tokens per user: revoke one first`,
        );
      }
      const token = generateToken();
      const row: TokenRow = {
        id: randomUUID(),
        userId,
        name,
        tokenHash: hashSecret(token),
        scopes: JSON.stringify(scopes),
        createdAt: time,
        expiresAt,
        lastUsedAt: undefined,
        revokedAt: undefined,
      };
      await insertToken(database, row);
      record(context, user, client, 'token.create', row.id, { name, scopes: scopes.join(',') });
      return { token, info: toInfo(row) };
    },

    async listTokens(user) {
      const rows = await listUserTokens(database, await ownerId(user), maxListed);
      return rows.map(toInfo);
    },

    async revokeToken(user, id, client) {
      const userId = await ownerId(user);
      if (!uuid.test(id) || !(await revokeUserToken(database, userId, id, now()))) {
        throw new AuthError('NOT_FOUND', 'no such token');
      }
      record(context, user, client, 'token.revoke', id, {});
    },

    async authenticateToken(token) {
      if (!looksLikeToken(token)) return undefined;
      const row = await findTokenByHash(database, hashSecret(token));
      const time = now();
      if (!row || row.revokedAt !== undefined) return undefined;
      if (row.expiresAt !== undefined && row.expiresAt <= time) return undefined;
      const user = await identity.getUserById(row.userId);
      if (!user || user.disabled) return undefined;
      await touchToken(database, row.id, time);
      return { ...userPrincipal(user, 'pat'), tokenScopes: parseScopes(row.scopes) };
    },
  };
}

function checkScopes(scopes: readonly TokenScope[]): TokenScope[] {
  if (!isList(scopes) || scopes.length === 0 || scopes.length > tokenScopes.length * 2) {
    throw new AuthError('INVALID_REQUEST', `scopes: one or more of ${tokenScopes.join(', ')}`);
  }
  for (const scope of scopes) {
    if (!tokenScopes.includes(scope)) {
      throw new AuthError('INVALID_REQUEST', `scopes: one or more of ${tokenScopes.join(', ')}`);
    }
  }
  // In the catalogue's order, each once.
  return tokenScopes.filter((scope) => scopes.includes(scope));
}

function parseScopes(stored: string): TokenScope[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const list: unknown[] = parsed;
  return tokenScopes.filter((scope) => list.includes(scope));
}

function toInfo(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: parseScopes(row.scopes),
    createdAt: new Date(row.createdAt),
    ...(row.expiresAt !== undefined ? { expiresAt: new Date(row.expiresAt) } : {}),
    ...(row.lastUsedAt !== undefined ? { lastUsedAt: new Date(row.lastUsedAt) } : {}),
    revoked: row.revokedAt !== undefined,
  };
}

function record(
  context: CredentialsContext,
  user: UserPrincipal,
  client: ClientInfo,
  action: 'token.create' | 'token.revoke',
  id: string,
  details: Record<string, string>,
): void {
  context.audit.record({
    ...auditActorOf(user),
    clientIp: client.ip,
    action,
    target: `user:${user.name}`,
    outcome: 'success',
    details: { tokenId: id, ...details },
  });
}
