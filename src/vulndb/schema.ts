/**
 * The SQLite schema of the vulnerability database, versioned by `meta.schema_version`. A file
 * written by a newer Moat is refused with an upgrade hint rather than misread.
 */
import { MoatError } from '../errors.js';
import { sqliteReason, type SqliteDatabase } from './sqlite.js';

/** The schema version this Moat writes and reads. */
export const SCHEMA_VERSION = 3;

/**
 * - `records`: one row per OSV id holding the record's JSON text once, however many packages it
 *   names (schema 2 copied it into every package row: 560 MB databases for records naming
 *   hundreds of packages). `withdrawn` set means never matched; `modified_ms` orders re-imports.
 *   `rid` is the rowid, so following a reference is one B-tree search.
 * - `affected`: (ecosystem as OSV writes it, normalised package name, id) → `rid`, clustered by
 *   package (WITHOUT ROWID, 16 KiB pages): looking a package up reads its references, already in
 *   id order, from one or two adjacent pages, then each body by rowid. Text is uncompressed:
 *   decoding is most of a lookup's cost; bundles are compressed as a whole.
 * - `aliases`: alias (CVE, GHSA…) → record id.
 * - `sources`: where records came from, with the HTTP validators of the last fetch.
 */
const ddl = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE records (
  rid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  modified TEXT NOT NULL,
  modified_ms INTEGER NOT NULL,
  withdrawn TEXT,
  source TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE affected (
  ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  id TEXT NOT NULL,
  rid INTEGER NOT NULL,
  PRIMARY KEY (ecosystem, name, id)
) WITHOUT ROWID;
CREATE INDEX affected_by_id ON affected (id);
CREATE TABLE aliases (alias TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (alias, id)) WITHOUT ROWID;
CREATE INDEX aliases_by_id ON aliases (id);
CREATE TABLE sources (
  name TEXT PRIMARY KEY,
  url TEXT,
  etag TEXT,
  last_modified TEXT,
  updated_at TEXT NOT NULL,
  imported_by TEXT NOT NULL CHECK (imported_by IN ('update', 'manual'))
);
`;

/** Creates the schema in an empty database. */
export function createSchema(db: SqliteDatabase): void {
  // Only takes effect before the first table exists.
  db.pragma('page_size = 16384');
  db.exec(ddl);
  const now = new Date().toISOString();
  const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
  insert.run('schema_version', String(SCHEMA_VERSION));
  insert.run('created_at', now);
}

/** True when the database has no tables yet. */
export function isEmptyDatabase(db: SqliteDatabase): boolean {
  const row = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as {
    n: number;
  };
  return row.n === 0;
}

/**
 * Reads and checks `meta.schema_version`.
 * @throws MoatError DB_SCHEMA_TOO_NEW for a newer schema, DB_INVALID for anything unreadable.
 */
export function checkSchema(db: SqliteDatabase, path: string): number {
  let value: unknown;
  try {
    const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
      { value: unknown } | undefined;
    value = row?.value;
  } catch (cause) {
    throw new MoatError(
      'DB_INVALID',
      `${path}: not a Moat vulnerability database (${sqliteReason(cause)})`,
      { cause },
    );
  }
  const version = Number(value);
  if (!Number.isInteger(version) || version < 1) {
    throw new MoatError('DB_INVALID', `${path}: no valid schema_version in meta`);
  }
  if (version > SCHEMA_VERSION) {
    throw new MoatError(
      'DB_SCHEMA_TOO_NEW',
      `${path}: database schema ${version} is newer than this Moat reads (${SCHEMA_VERSION}); ` +
        'upgrade Moat, or use another --cache-dir',
    );
  }
  if (version < SCHEMA_VERSION) {
    throw new MoatError(
      'DB_SCHEMA_TOO_OLD',
      `${path}: database schema ${version} is older than this Moat reads (${SCHEMA_VERSION}); ` +
        'run `moat db update`, or `moat db import` with all its sources, to rebuild it',
    );
  }
  return version;
}
