/**
 * Queries of the `secrets` table (envelopes sealed by `auth/secrets/`) and of the few `settings`
 * rows the secret box and the audit log keep (the master key's check value, the audit chain's
 * key and head). Plain data in and out; the encryption lives in `auth/secrets/`.
 */
import type { MetadataDb, StoreDatabase } from '../metadata/database.js';

/** A stored secret: its envelope and which key sealed it. */
export interface SecretRow {
  id: string;
  purpose: string;
  keyId: string;
  ciphertext: string;
}

/** Inserts a new secret. */
export async function insertSecret(
  database: StoreDatabase,
  row: SecretRow,
  now: number,
): Promise<void> {
  await database.writeOne((db) =>
    db
      .insertInto('secrets')
      .values({
        id: row.id,
        purpose: row.purpose,
        key_id: row.keyId,
        ciphertext: row.ciphertext,
        created_at: now,
        updated_at: now,
      })
      .execute(),
  );
}

/** The secret with this id, or undefined. */
export async function getSecret(db: MetadataDb, id: string): Promise<SecretRow | undefined> {
  const row = await db
    .selectFrom('secrets')
    .select(['id', 'purpose', 'key_id', 'ciphertext'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row && { id: row.id, purpose: row.purpose, keyId: row.key_id, ciphertext: row.ciphertext };
}

/** Removes a secret (nothing when it is unknown). */
export async function deleteSecret(database: StoreDatabase, id: string): Promise<void> {
  await database.writeOne((db) => db.deleteFrom('secrets').where('id', '=', id).execute());
}

/** Ids of up to `limit` secrets sealed under another key than `keyId`, after `afterId`. */
export async function secretsNotUnderKey(
  database: StoreDatabase,
  keyId: string,
  page: { afterId: string; limit: number },
): Promise<string[]> {
  const rows = await database.read((db) =>
    db
      .selectFrom('secrets')
      .select('id')
      .where('key_id', '<>', keyId)
      .where('id', '>', page.afterId)
      .orderBy('id')
      .limit(page.limit)
      .execute(),
  );
  return rows.map((row) => row.id);
}

/**
 * Replaces a secret's envelope, only while it is still sealed under `fromKeyId` (another process
 * may have re-sealed it meanwhile); true when it changed.
 */
export async function resealSecret(
  db: MetadataDb,
  change: { id: string; fromKeyId: string; toKeyId: string; ciphertext: string },
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('secrets')
    .set({ key_id: change.toKeyId, ciphertext: change.ciphertext, updated_at: now })
    .where('id', '=', change.id)
    .where('key_id', '=', change.fromKeyId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A setting's value, or undefined. */
export async function readSetting(db: MetadataDb, key: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirst();
  return row?.value;
}

/** Stores a setting unless one exists; resolves to the value now stored (first writer wins). */
export async function putSettingIfAbsent(
  database: StoreDatabase,
  key: string,
  value: string,
): Promise<string> {
  await database.writeOne((db) =>
    db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute(),
  );
  return (await database.read((db) => readSetting(db, key))) ?? value;
}

/** Stores a setting, replacing any value (inside the caller's transaction or as one statement). */
export async function writeSetting(db: MetadataDb, key: string, value: string): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
