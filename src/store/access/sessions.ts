/**
 * Queries on `sessions`: a session is keyed by the SHA-256 of its cookie token (the token itself
 * is never stored), with its CSRF token, an idle clock (`last_seen_at`) and an absolute expiry.
 */
import type { StoreDatabase } from '../metadata/database.js';
import { toNumber } from '../metadata/schema.js';

/** A session joined with what authentication needs of its user. */
export interface SessionRow {
  idHash: string;
  userId: string;
  csrfToken: string;
  lastSeenAt: number;
  expiresAt: number;
}

/** Stores a new session. */
export async function insertSession(
  database: StoreDatabase,
  session: SessionRow & { clientIp: string; createdAt: number },
): Promise<void> {
  await database.writeOne((db) =>
    db
      .insertInto('sessions')
      .values({
        id_hash: session.idHash,
        user_id: session.userId,
        csrf_token: session.csrfToken,
        client_ip: session.clientIp,
        created_at: session.createdAt,
        last_seen_at: session.lastSeenAt,
        expires_at: session.expiresAt,
      })
      .execute(),
  );
}

/** The session with this id hash, or undefined. */
export async function findSession(
  database: StoreDatabase,
  idHash: string,
): Promise<SessionRow | undefined> {
  const row = await database.read((db) =>
    db
      .selectFrom('sessions')
      .select(['id_hash', 'user_id', 'csrf_token', 'last_seen_at', 'expires_at'])
      .where('id_hash', '=', idHash)
      .executeTakeFirst(),
  );
  return (
    row && {
      idHash: row.id_hash,
      userId: row.user_id,
      csrfToken: row.csrf_token,
      lastSeenAt: toNumber(row.last_seen_at),
      expiresAt: toNumber(row.expires_at),
    }
  );
}

/** Moves a session's idle clock forward (never back). */
export async function touchSession(
  database: StoreDatabase,
  idHash: string,
  now: number,
): Promise<void> {
  await database.writeOne((db) =>
    db
      .updateTable('sessions')
      .set({ last_seen_at: now })
      .where('id_hash', '=', idHash)
      .where('last_seen_at', '<', now)
      .execute(),
  );
}

/** Ends one session (safe when it is already gone). */
export async function deleteSession(database: StoreDatabase, idHash: string): Promise<void> {
  await database.writeOne((db) =>
    db.deleteFrom('sessions').where('id_hash', '=', idHash).execute(),
  );
}

/** Ends every session of a user; resolves to how many ended. */
export async function deleteUserSessions(database: StoreDatabase, userId: string): Promise<number> {
  const result = await database.writeOne((db) =>
    db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst(),
  );
  return Number(result.numDeletedRows);
}

/** Removes sessions past their absolute expiry or idle for longer than `idleMs`. */
export async function deleteExpiredSessions(
  database: StoreDatabase,
  now: number,
  idleMs: number,
): Promise<number> {
  const result = await database.writeOne((db) =>
    db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', now - idleMs)]))
      .executeTakeFirst(),
  );
  return Number(result.numDeletedRows);
}
