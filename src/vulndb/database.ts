/**
 * The vulnerability database as its readers see it: {@link openVulnDb} and the query API the
 * matcher uses ({@link VulnDb.advisoriesFor}). Scans open it read-only; only imports write, and
 * they write a copy (see import.ts).
 */
import type { Statement } from 'better-sqlite3';

import { MoatError } from '../errors.js';
import { ecosystemFamily, normalizePackageName } from './ecosystems.js';
import type { OsvAffected, OsvRecord } from './osv.js';
import { checkSchema, createSchema, isEmptyDatabase } from './schema.js';
import { openSqlite, sqliteReason, type SqliteDatabase } from './sqlite.js';

/** Options of {@link openVulnDb}. */
export interface OpenVulnDbOptions {
  /** Open read-only (the default): the file must exist and is never written. */
  readonly?: boolean;
}

/** One configured or imported source, as `moat db status` shows it. */
export interface SourceInfo {
  name: string;
  url: string | null;
  etag: string | null;
  lastModified: string | null;
  updatedAt: string;
  importedBy: 'update' | 'manual';
}

/** A summary of the database for `moat db status`. */
export interface VulnDbStatus {
  path: string;
  schemaVersion: number;
  records: number;
  withdrawn: number;
  /**
   * Records that can match, per ecosystem as OSV writes it (a record naming two ecosystems
   * counts in both; withdrawn records count only in `withdrawn`).
   */
  ecosystems: { ecosystem: string; records: number }[];
  sources: SourceInfo[];
  createdAt: string | null;
  updatedAt: string | null;
  /** `bundle` when the file came from a signed bundle, `osv` when built by imports. */
  origin: 'bundle' | 'osv' | null;
}

/** How much of a read-only database is mapped into memory (SQLite clamps it to the file). */
const MMAP_BYTES = 1024 ** 3;

/** An open vulnerability database. */
export class VulnDb {
  /** The file this database lives in. */
  readonly path: string;
  /** The schema version of the file. */
  readonly schemaVersion: number;
  /** @internal The connection; only the importer writes through it. */
  readonly sqlite: SqliteDatabase;
  #byPackage: Statement<[string, string], [string, string]> | undefined;
  #anyRow: Statement<[string], [number]> | undefined;
  /**
   * Whether a family (`Debian`, `Ubuntu`…) has any row, asked once per family when the file is
   * read-only: osv.dev's distribution data names releases only, so a second seek per package
   * under the family would find nothing.
   */
  #familyHasRows: Map<string, boolean> | undefined;

  /** @internal Use {@link openVulnDb}. */
  constructor(path: string, sqlite: SqliteDatabase, schemaVersion: number, readonly = false) {
    this.path = path;
    this.sqlite = sqlite;
    this.schemaVersion = schemaVersion;
    if (readonly) this.#familyHasRows = new Map();
  }

  /**
   * Every record that is not withdrawn and lists `packageName` under `ecosystem` exactly or
   * under its release-less family (`Debian:12` also finds `Debian`, never `Debian:11`). The
   * name is normalised as {@link normalizePackageName} does. Records come back whole: use
   * {@link affectedEntriesFor} to pick the entries about this package.
   * @example db.advisoriesFor('Debian:12', 'openssl')
   */
  advisoriesFor(ecosystem: string, packageName: string): OsvRecord[] {
    // Withdrawn records have no rows in `affected` (see writer.ts). Each seek reads one run of its
    // primary key, already in id order (so ORDER BY costs no sort), and fetches each body by
    // rowid; `ecosystem IN (?, ?) … ORDER BY id` would copy every body into a sorter instead. A
    // record listing the package under both the release and its family is found by both seeks
    // and kept once.
    this.#byPackage ??= this.sqlite
      .prepare<[string, string], [string, string]>(
        `SELECT affected.id, records.body FROM affected JOIN records ON records.rid = affected.rid
         WHERE affected.ecosystem = ? AND affected.name = ? ORDER BY affected.id`,
      )
      .raw();
    const name = normalizePackageName(ecosystem, packageName);
    const exact = this.#byPackage.all(ecosystem, name);
    const family = ecosystemFamily(ecosystem);
    const rows =
      family === ecosystem || !this.#hasRows(family)
        ? exact
        : mergeById(exact, this.#byPackage.all(family, name));
    return rows.map(([, body]) => decodeBody(body));
  }

  #hasRows(ecosystem: string): boolean {
    // A writable database may gain rows: it is always searched.
    if (!this.#familyHasRows) return true;
    const known = this.#familyHasRows.get(ecosystem);
    if (known !== undefined) return known;
    this.#anyRow ??= this.sqlite
      .prepare<[string], [number]>('SELECT 1 FROM affected WHERE ecosystem = ? LIMIT 1')
      .raw();
    const found = this.#anyRow.get(ecosystem) !== undefined;
    this.#familyHasRows.set(ecosystem, found);
    return found;
  }

  /** The record with this id, withdrawn or not. */
  advisory(id: string): OsvRecord | undefined {
    const row = this.sqlite.prepare('SELECT body FROM records WHERE id = ?').get(id) as
      { body: string | null } | undefined;
    return row?.body ? decodeBody(row.body) : undefined;
  }

  /** Ids of the records that list `alias` (a CVE, GHSA… id) among their aliases. */
  idsForAlias(alias: string): string[] {
    const rows = this.sqlite
      .prepare('SELECT id FROM aliases WHERE alias = ? ORDER BY id')
      .all(alias) as { id: string }[];
    return rows.map((row) => row.id);
  }

  /** The sources records were imported from. */
  sources(): SourceInfo[] {
    const rows = this.sqlite
      .prepare(
        'SELECT name, url, etag, last_modified, updated_at, imported_by FROM sources ORDER BY name',
      )
      .all() as {
      name: string;
      url: string | null;
      etag: string | null;
      last_modified: string | null;
      updated_at: string;
      imported_by: 'update' | 'manual';
    }[];
    return rows.map((row) => ({
      name: row.name,
      url: row.url,
      etag: row.etag,
      lastModified: row.last_modified,
      updatedAt: row.updated_at,
      importedBy: row.imported_by,
    }));
  }

  /** Counts, sources and dates for `moat db status`. */
  status(): VulnDbStatus {
    const count = (sql: string) => (this.sqlite.prepare(sql).get() as { n: number }).n;
    const meta = (key: string) =>
      (
        this.sqlite.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
          { value: string } | undefined
      )?.value ?? null;
    const ecosystems = this.sqlite
      .prepare(
        `SELECT ecosystem, count(DISTINCT id) AS records FROM affected
         GROUP BY ecosystem ORDER BY ecosystem`,
      )
      .all() as { ecosystem: string; records: number }[];
    const origin = meta('origin');
    return {
      path: this.path,
      schemaVersion: this.schemaVersion,
      records: count('SELECT count(*) AS n FROM records'),
      withdrawn: count('SELECT count(*) AS n FROM records WHERE withdrawn IS NOT NULL'),
      ecosystems,
      sources: this.sources(),
      createdAt: meta('created_at'),
      updatedAt: meta('updated_at'),
      origin: origin === 'bundle' || origin === 'osv' ? origin : null,
    };
  }

  /** Closes the connection. */
  close(): void {
    this.sqlite.close();
  }
}

/**
 * Opens the database at `path`, read-only unless told otherwise; a writable open creates the
 * file and its schema when missing.
 * @throws MoatError DB_NOT_FOUND, DB_INVALID, or DB_SCHEMA_TOO_NEW (with an upgrade hint).
 */
export function openVulnDb(path: string, options: OpenVulnDbOptions = {}): VulnDb {
  const readonly = options.readonly ?? true;
  const sqlite = openSqlite(path, readonly);
  try {
    if (readonly) {
      sqlite.pragma('query_only = ON');
      // Lookups read pages in place instead of copying each into SQLite's page cache: a third
      // less time in SQLite on a cold match of 2,000 packages. Safe because the file is never
      // changed in place (a truncated mapping would kill the process): imports write a copy and
      // rename it over (atomic.ts), so a reader keeps the file it opened.
      sqlite.pragma(`mmap_size = ${MMAP_BYTES}`);
    } else if (isEmptyDatabase(sqlite)) createSchema(sqlite);
    return new VulnDb(path, sqlite, checkSchema(sqlite, path), readonly);
  } catch (error) {
    sqlite.close();
    if (error instanceof MoatError) throw error;
    throw new MoatError('DB_INVALID', `${path}: ${sqliteReason(error)}`, { cause: error });
  }
}

/**
 * The entries of `record.affected` about `packageName` in `ecosystem` (exactly or its
 * release-less family), with the same name normalisation as {@link VulnDb.advisoriesFor}.
 */
export function affectedEntriesFor(
  record: OsvRecord,
  ecosystem: string,
  packageName: string,
): OsvAffected[] {
  const family = ecosystemFamily(ecosystem);
  const name = normalizePackageName(ecosystem, packageName);
  return (record.affected ?? []).filter((entry) => {
    const pkg = entry.package;
    if (!pkg || (pkg.ecosystem !== ecosystem && pkg.ecosystem !== family)) return false;
    return normalizePackageName(pkg.ecosystem, pkg.name) === name;
  });
}

/** Two lists of rows sorted by id as one, a row of the same id in both kept once. */
function mergeById<Row extends [string, string]>(a: Row[], b: Row[]): Row[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const merged: Row[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x[0] < y[0])) {
      merged.push(x as Row);
      i++;
    } else if (x === undefined || y[0] < x[0]) {
      merged.push(y);
      j++;
    } else {
      merged.push(x);
      i++;
      j++;
    }
  }
  return merged;
}

function decodeBody(body: string): OsvRecord {
  // Stored records were validated on import (or arrived in a signed bundle).
  return JSON.parse(body) as OsvRecord;
}
