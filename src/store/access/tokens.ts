/**
 * Personal access tokens (`personal_access_tokens`): a token is stored only as the SHA-256 of its
 * text, with its owner, name, scopes, expiry, last use and revocation time. The service
 * (`auth/credentials/`) decides; these are the queries.
 */
import type { StoreDatabase } from '../metadata/database.js';
import { toNumber } from '../metadata/schema.js';

/** A stored token, as the service reads it. */
export interface TokenRow {
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  /** The scopes as stored (JSON text, parsed by the service). */
  scopes: string;
  createdAt: number;
  expiresAt: number | undefined;
  lastUsedAt: number | undefined;
  revokedAt: number | undefined;
}

/** A last use is written at most this often per token (a write per request would cost too much). */
const lastUsedResolutionMs = 60_000;

const columns = [
  'id',
  'user_id',
  'name',
  'token_hash',
  'scopes',
  'created_at',
  'expires_at',
  'last_used_at',
  'revoked_at',
] as const;

/** Inserts a new token (its id and hash are unique). */
export async function insertToken(database: StoreDatabase, row: TokenRow): Promise<void> {
  await database.writeOne((db) =>
    db
      .insertInto('personal_access_tokens')
      .values({
        id: row.id,
        user_id: row.userId,
        name: row.name,
        token_hash: row.tokenHash,
        scopes: row.scopes,
        created_at: row.createdAt,
        expires_at: row.expiresAt ?? null,
        last_used_at: null,
        revoked_at: null,
      })
      .execute(),
  );
}

/** The token whose text hashes to `tokenHash`, or undefined. */
export async function findTokenByHash(
  database: StoreDatabase,
  tokenHash: string,
): Promise<TokenRow | undefined> {
  const row = await database.read((db) =>
    db
      .selectFrom('personal_access_tokens')
      .select(columns)
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst(),
  );
  return row && toRow(row);
}

/** A user's tokens, newest first (revoked ones too, so that the list explains a refusal). */
export async function listUserTokens(
  database: StoreDatabase,
  userId: string,
  limit: number,
): Promise<TokenRow[]> {
  const rows = await database.read((db) =>
    db
      .selectFrom('personal_access_tokens')
      .select(columns)
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute(),
  );
  return rows.map(toRow);
}

/** How many unrevoked tokens a user holds (expired ones included: they are still listed). */
export async function countActiveTokens(database: StoreDatabase, userId: string): Promise<number> {
  const row = await database.read((db) =>
    db
      .selectFrom('personal_access_tokens')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow(),
  );
  return toNumber(row.count);
}

/** Revokes one of a user's tokens; false when the user has no unrevoked token with this id. */
export async function revokeUserToken(
  database: StoreDatabase,
  userId: string,
  id: string,
  now: number,
): Promise<boolean> {
  const result = await database.writeOne((db) =>
    db
      .updateTable('personal_access_tokens')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst(),
  );
  return result.numUpdatedRows > 0n;
}

/** Records a use of the token, unless one was recorded within the last minute. */
export async function touchToken(database: StoreDatabase, id: string, now: number): Promise<void> {
  await database.writeOne((db) =>
    db
      .updateTable('personal_access_tokens')
      .set({ last_used_at: now })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb('last_used_at', 'is', null),
          eb('last_used_at', '<', now - lastUsedResolutionMs),
        ]),
      )
      .execute(),
  );
}

type StoredToken = {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  scopes: string;
  created_at: number | string;
  expires_at: number | string | null;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
};

function toRow(row: StoredToken): TokenRow {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    tokenHash: row.token_hash,
    scopes: row.scopes,
    createdAt: toNumber(row.created_at),
    expiresAt: optionalNumber(row.expires_at),
    lastUsedAt: optionalNumber(row.last_used_at),
    revokedAt: optionalNumber(row.revoked_at),
  };
}

/** A nullable bigint column as a number or undefined. */
export function optionalNumber(value: number | string | null): number | undefined {
  return value === null ? undefined : toNumber(value);
}
