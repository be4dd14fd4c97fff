/**
 * Queries on `login_throttle`: failed-login counters keyed `user:<username>` or `ip:<address>`,
 * in the database so that every process of a deployment sees the same counts and lockouts. The
 * increment is one atomic upsert, so concurrent failures on several nodes are all counted.
 */
import { sql } from 'kysely';

import type { StoreDatabase } from '../metadata/database.js';
import { toNumber } from '../metadata/schema.js';

/** The latest `locked_until` among `keys` (0 when none is locked or known). */
export async function lockedUntil(database: StoreDatabase, keys: string[]): Promise<number> {
  const rows = await database.read((db) =>
    db.selectFrom('login_throttle').select('locked_until').where('key', 'in', keys).execute(),
  );
  let latest = 0;
  for (const row of rows) latest = Math.max(latest, toNumber(row.locked_until));
  return latest;
}

/**
 * Counts one failure for `key` and resolves to the count. A count whose last failure is older
 * than `forgetBefore` starts again from 1.
 */
export async function countFailure(
  database: StoreDatabase,
  key: string,
  now: number,
  forgetBefore: number,
): Promise<number> {
  const row = await database.writeOne((db) =>
    db
      .insertInto('login_throttle')
      .values({ key, failures: 1, locked_until: 0, updated_at: now })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql<number>`case when login_throttle.updated_at < ${forgetBefore} then 1 else login_throttle.failures + 1 end`,
          updated_at: now,
        }),
      )
      .returning('failures')
      .executeTakeFirstOrThrow(),
  );
  return toNumber(row.failures);
}

/** Locks `key` until `until` (a later lock already in place stays). */
export async function lockKey(database: StoreDatabase, key: string, until: number): Promise<void> {
  await database.writeOne((db) =>
    db
      .updateTable('login_throttle')
      .set({ locked_until: until })
      .where('key', '=', key)
      .where('locked_until', '<', until)
      .execute(),
  );
}

/** Forgets the failures of `key` (after a successful login). */
export async function clearKey(database: StoreDatabase, key: string): Promise<void> {
  await database.writeOne((db) => db.deleteFrom('login_throttle').where('key', '=', key).execute());
}

/** Removes counts whose last failure is older than `before` and that lock nothing any more. */
export async function sweepKeys(
  database: StoreDatabase,
  before: number,
  now: number,
): Promise<void> {
  await database.writeOne((db) =>
    db
      .deleteFrom('login_throttle')
      .where('updated_at', '<', before)
      .where('locked_until', '<=', now)
      .execute(),
  );
}
