/**
 * Opens the metadata store a configuration names — an SQLite file (WAL, created with its
 * directory) or a PostgreSQL database (a `pg` pool) — and brings its schema up to date.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';

import { StoreError } from '../../errors.js';
import { loadSqlite } from '../../util/sqlite.js';
import type { MetadataStoreConfig } from '../types.js';
import { StoreDatabase } from './database.js';
import { translateDatabaseError } from './errors.js';
import { KyselyMetadataStore } from './kysely-store.js';
import { metadataMigrations, type Engine } from './migrations.js';
import type { MetadataDatabase } from './schema.js';
import { withSqliteWriter } from './sqlite-writer-lock.js';

// How long a statement waits for another process's write lock on the SQLite file.
const sqliteBusyTimeoutMs = 10_000;
const postgresPoolSize = 10;
const postgresConnectTimeoutMs = 10_000;

/**
 * Opens the store and runs its pending migrations before resolving.
 * @example const meta = await openMetadataStore({ kind: 'sqlite', path: 'moat-data/moat.db' });
 */
export async function openMetadataStore(config: MetadataStoreConfig): Promise<KyselyMetadataStore> {
  const meta = config.kind === 'sqlite' ? openSqlite(config.path) : openPostgres(config.url);
  try {
    await meta.migrate();
  } catch (error) {
    await meta.close().catch(() => undefined);
    throw error;
  }
  return meta;
}

function openSqlite(path: string): KyselyMetadataStore {
  const file = resolve(path);
  let db: Kysely<MetadataDatabase>;
  try {
    mkdirSync(dirname(file), { recursive: true });
    db = new Kysely<MetadataDatabase>({
      dialect: new SqliteDialect({ database: openSqliteFile(file) }),
    });
  } catch (error) {
    throw translateDatabaseError(error);
  }
  return new KyselyMetadataStore(new StoreDatabase(db, 'sqlite', file), () => migrateSqlite(file));
}

function openSqliteFile(file: string) {
  const database = loadSqlite()(file, {});
  database.pragma(`busy_timeout = ${sqliteBusyTimeoutMs}`);
  database.pragma('journal_mode = WAL');
  // FULL: a transaction acknowledged to a client survives a power loss, not only a crash.
  database.pragma('synchronous = FULL');
  return database;
}

/**
 * SQLite: Kysely's migrator takes no lock there, so the whole run is one `BEGIN IMMEDIATE`
 * transaction on a connection of its own — a second process waits for it (busy_timeout), then
 * finds nothing left to do.
 */
async function migrateSqlite(file: string): Promise<void> {
  await withSqliteWriter(file, async () => {
    let connection;
    try {
      connection = openSqliteFile(file);
      connection.exec('begin immediate');
    } catch (error) {
      connection?.close();
      throw translateDatabaseError(error);
    }
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: connection }) });
    try {
      await runMigrator(db, 'sqlite');
      connection.exec('commit');
    } catch (error) {
      if (connection.inTransaction) connection.exec('rollback');
      throw error;
    } finally {
      await db.destroy();
    }
  });
}

function openPostgres(url: string): KyselyMetadataStore {
  const pool = new pg.Pool({
    connectionString: url,
    max: postgresPoolSize,
    // Without a bound, a server that drops packets (or a pool exhausted under load) would hang
    // a request forever; this way it fails as STORE_UNAVAILABLE.
    connectionTimeoutMillis: postgresConnectTimeoutMs,
    application_name: 'moat',
  });
  // An idle client whose connection drops emits 'error' on the pool; without a listener that
  // would end the process. The next query opens a new connection (or fails with its own error).
  pool.on('error', () => undefined);
  // A client checked out for a transaction is not covered by the pool's listener: when its
  // connection drops mid-transaction it emits 'error' itself, which would otherwise end the
  // process. The statement in flight fails with the error anyway (STORE_UNAVAILABLE).
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const db = new Kysely<MetadataDatabase>({ dialect: new PostgresDialect({ pool }) });
  // PostgreSQL: the migrator holds an advisory lock for the run, so processes starting at once
  // run the migrations one after the other.
  return new KyselyMetadataStore(new StoreDatabase(db, 'postgres'), () =>
    runMigrator(db, 'postgres'),
  );
}

async function runMigrator<DB>(db: Kysely<DB>, engine: Engine): Promise<void> {
  const migrations = metadataMigrations(engine);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    // Our own names, so that another Kysely application sharing the database cannot collide.
    migrationTableName: 'moat_migration',
    migrationLockTableName: 'moat_migration_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const translated = translateDatabaseError(error);
  if (translated instanceof StoreError) throw translated;
  const message = error instanceof Error ? error.message : 'unknown error';
  throw new StoreError('STORE_UNAVAILABLE', `metadata database migration failed: ${message}`, {
    cause: error,
  });
}
