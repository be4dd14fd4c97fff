/**
 * The store's handle on its database: the Kysely instance, which engine it talks to, and the
 * three ways every method reaches it — a read, a single-statement write, a write transaction —
 * with database failures turned into `StoreError`s on the way out.
 *
 * SQLite: writes queue per file in this process ({@link withSqliteWriter}) and transactions begin
 * `IMMEDIATE`, so a transaction that reads then writes never fails to upgrade its lock.
 * PostgreSQL: transactions run at READ COMMITTED; a deadlock or serialization failure between two
 * of them is retried (each of our transactions can be run again from the start).
 */
import { sql, type Kysely } from 'kysely';

import { translateDatabaseError } from './errors.js';
import type { Engine } from './migrations.js';
import type { MetadataDatabase } from './schema.js';
import { withSqliteWriter } from './sqlite-writer-lock.js';

/** Kysely over the metadata tables (a transaction or the whole database). */
export type MetadataDb = Kysely<MetadataDatabase>;

// PostgreSQL: deadlock_detected, serialization_failure.
const retryableCodes = new Set(['40P01', '40001']);
const maxAttempts = 5;

/** A value returned from a transaction that must roll back what it did. */
export class Rollback<T> {
  constructor(readonly value: T) {}
}

/** The database behind a metadata store. */
export class StoreDatabase {
  constructor(
    readonly db: MetadataDb,
    readonly engine: Engine,
    /** The SQLite file (the key of the in-process writer queue); unused on PostgreSQL. */
    private readonly sqliteFile = '',
  ) {}

  /** Runs reads (or anything that needs no ordering), translating database errors. */
  async read<T>(fn: (db: MetadataDb) => Promise<T>): Promise<T> {
    try {
      return await fn(this.db);
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /** Runs one writing statement (atomic by itself). */
  async writeOne<T>(fn: (db: MetadataDb) => Promise<T>): Promise<T> {
    if (this.engine === 'postgres') return this.read(fn);
    return this.read(() => withSqliteWriter(this.sqliteFile, () => fn(this.db)));
  }

  /**
   * Runs `fn` in one write transaction. When `fn` returns a {@link Rollback}, the transaction is
   * rolled back and its value returned.
   */
  async transaction<T>(fn: (trx: MetadataDb) => Promise<T | Rollback<T>>): Promise<T> {
    const once =
      this.engine === 'postgres' ? () => this.pgTransaction(fn) : () => this.sqliteTransaction(fn);
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await once();
        return result instanceof Rollback ? result.value : result;
      } catch (error) {
        if (attempt < maxAttempts && retryableCodes.has(codeOf(error))) continue;
        throw translateDatabaseError(error);
      }
    }
  }

  private async pgTransaction<T>(
    fn: (trx: MetadataDb) => Promise<T | Rollback<T>>,
  ): Promise<T | Rollback<T>> {
    const trx = await this.db.startTransaction().execute();
    try {
      const result = await fn(trx);
      if (result instanceof Rollback) await trx.rollback().execute();
      else await trx.commit().execute();
      return result;
    } catch (error) {
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      throw error;
    }
  }

  private sqliteTransaction<T>(
    fn: (trx: MetadataDb) => Promise<T | Rollback<T>>,
  ): Promise<T | Rollback<T>> {
    return withSqliteWriter(this.sqliteFile, () =>
      this.db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn);
        try {
          const result = await fn(conn);
          await sql.raw(result instanceof Rollback ? 'rollback' : 'commit').execute(conn);
          return result;
        } catch (error) {
          // A failed statement may have ended the transaction already (SQLITE_FULL does).
          await sql`rollback`.execute(conn).catch(() => undefined);
          throw error;
        }
      }),
    );
  }
}

function codeOf(error: unknown): string {
  const code: unknown =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}
