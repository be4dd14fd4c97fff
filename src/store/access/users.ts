/**
 * Queries on `users` and `recovery_codes` (migration `0002_access`). Every statement is plain
 * Kysely over the shared {@link StoreDatabase}, the same on SQLite and PostgreSQL; the rules
 * (who may, what is valid) live in `auth/identity/`.
 */
import type { MetadataDb, StoreDatabase } from '../metadata/database.js';
import { toNumber } from '../metadata/schema.js';

/** A `users` row as the identity service reads it. */
export interface UserRow {
  id: string;
  username: string;
  email: string | null;
  passwordHash: string;
  systemAdmin: boolean;
  disabled: boolean;
  totpSecretId: string | null;
  totpPendingSecretId: string | null;
  createdAt: number;
}

const userColumns = [
  'id',
  'username',
  'email',
  'password_hash',
  'system_admin',
  'disabled',
  'totp_secret_id',
  'totp_pending_secret_id',
  'created_at',
] as const;

function toUserRow(row: {
  id: string;
  username: string;
  email: string | null;
  password_hash: string;
  system_admin: number;
  disabled: number;
  totp_secret_id: string | null;
  totp_pending_secret_id: string | null;
  created_at: number | string;
}): UserRow {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    passwordHash: row.password_hash,
    systemAdmin: row.system_admin === 1,
    disabled: row.disabled === 1,
    totpSecretId: row.totp_secret_id,
    totpPendingSecretId: row.totp_pending_secret_id,
    createdAt: toNumber(row.created_at),
  };
}

/** Inserts a user; false when the username is taken (the first writer wins). */
export async function insertUser(
  database: StoreDatabase,
  user: Omit<UserRow, 'totpSecretId' | 'totpPendingSecretId'>,
): Promise<boolean> {
  const result = await database.writeOne((db) =>
    db
      .insertInto('users')
      .values({
        id: user.id,
        username: user.username,
        email: user.email,
        password_hash: user.passwordHash,
        system_admin: user.systemAdmin ? 1 : 0,
        disabled: user.disabled ? 1 : 0,
        created_at: user.createdAt,
        updated_at: user.createdAt,
      })
      .onConflict((oc) => oc.column('username').doNothing())
      .executeTakeFirst(),
  );
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/** The user with this username, or undefined. */
export async function findUserByName(
  database: StoreDatabase,
  username: string,
): Promise<UserRow | undefined> {
  const row = await database.read((db) =>
    db.selectFrom('users').select(userColumns).where('username', '=', username).executeTakeFirst(),
  );
  return row && toUserRow(row);
}

/** The user with this id, or undefined. */
export async function findUserById(
  database: StoreDatabase,
  id: string,
): Promise<UserRow | undefined> {
  const row = await database.read((db) =>
    db.selectFrom('users').select(userColumns).where('id', '=', id).executeTakeFirst(),
  );
  return row && toUserRow(row);
}

/** Users in username order, `limit` of them after `after`. */
export async function listUserRows(
  database: StoreDatabase,
  page: { limit: number; after?: string },
): Promise<UserRow[]> {
  const rows = await database.read((db) => {
    let query = db.selectFrom('users').select(userColumns);
    if (page.after !== undefined) query = query.where('username', '>', page.after);
    return query.orderBy('username').limit(page.limit).execute();
  });
  return rows.map(toUserRow);
}

/** The fields of a user that an update may set. */
export interface UserChange {
  email?: string | null;
  passwordHash?: string;
  systemAdmin?: boolean;
  disabled?: boolean;
}

/**
 * Updates a user: 'unknown' when there is no such user, 'last-admin' (nothing changed) when the
 * change would leave no enabled system administrator.
 */
export async function updateUserRow(
  database: StoreDatabase,
  id: string,
  change: UserChange,
  now: number,
): Promise<'updated' | 'unknown' | 'last-admin'> {
  return database.transaction(async (trx) => {
    const current = await trx
      .selectFrom('users')
      .select(['system_admin', 'disabled'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!current) return 'unknown';
    const wasActiveAdmin = current.system_admin === 1 && current.disabled === 0;
    const staysActiveAdmin =
      (change.systemAdmin ?? current.system_admin === 1) &&
      !(change.disabled ?? current.disabled === 1);
    if (wasActiveAdmin && !staysActiveAdmin && (await activeAdmins(trx, database.engine)) <= 1)
      return 'last-admin';
    await trx
      .updateTable('users')
      .set({
        ...(change.email !== undefined ? { email: change.email } : {}),
        ...(change.passwordHash !== undefined ? { password_hash: change.passwordHash } : {}),
        ...(change.systemAdmin !== undefined ? { system_admin: change.systemAdmin ? 1 : 0 } : {}),
        ...(change.disabled !== undefined ? { disabled: change.disabled ? 1 : 0 } : {}),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    return 'updated';
  });
}

/**
 * How many enabled system administrators there are. On PostgreSQL their rows are locked until the
 * transaction ends, so that two concurrent demotions cannot both see the other admin still there
 * (SQLite's write transactions are serial already).
 */
async function activeAdmins(trx: MetadataDb, engine: StoreDatabase['engine']): Promise<number> {
  const query = trx
    .selectFrom('users')
    .select('id')
    .where('system_admin', '=', 1)
    .where('disabled', '=', 0)
    .orderBy('id');
  const rows = await (engine === 'postgres' ? query.forUpdate() : query).execute();
  return rows.length;
}

/**
 * Deletes a user with everything that hangs on its id (recovery codes, sessions, personal access
 * tokens, group and project memberships). 'last-admin' when it is the last enabled system
 * administrator (nothing deleted). The caller removes the user's TOTP secrets.
 */
export async function deleteUserRow(
  database: StoreDatabase,
  id: string,
): Promise<'deleted' | 'unknown' | 'last-admin'> {
  return database.transaction(async (trx) => {
    const current = await trx
      .selectFrom('users')
      .select(['system_admin', 'disabled'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!current) return 'unknown';
    if (
      current.system_admin === 1 &&
      current.disabled === 0 &&
      (await activeAdmins(trx, database.engine)) <= 1
    ) {
      return 'last-admin';
    }
    await trx.deleteFrom('recovery_codes').where('user_id', '=', id).execute();
    await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
    await trx.deleteFrom('personal_access_tokens').where('user_id', '=', id).execute();
    await trx.deleteFrom('group_members').where('user_id', '=', id).execute();
    await trx
      .deleteFrom('project_members')
      .where('member_kind', '=', 'user')
      .where('member_id', '=', id)
      .execute();
    await trx.deleteFrom('users').where('id', '=', id).execute();
    return 'deleted';
  });
}
