/**
 * Writes OSV records into an open (writable) database: a record replaces the stored one with
 * the same id only when its `modified` is newer; its package rows and aliases are replaced
 * with it. Withdrawn records are stored and flagged, so a later re-import cannot revive them;
 * they get no package rows, so lookups never see them.
 */
import type { Statement } from 'better-sqlite3';

import type { VulnDb } from './database.js';
import { normalizePackageName } from './ecosystems.js';
import type { OsvRecord } from './osv.js';

/** What happened to one record. */
export type PutOutcome = 'inserted' | 'replaced' | 'unchanged';

/** Where a source's data came from, recorded in `sources`. */
export interface SourceRecord {
  name: string;
  url?: string;
  etag?: string;
  lastModified?: string;
  importedBy: 'update' | 'manual';
}

/** Prepared statements for writing records into one database. */
export class RecordWriter {
  readonly #db: VulnDb;
  readonly #modifiedOf: Statement<[string], { modified_ms: number }>;
  readonly #upsert: Statement<[string, string, number, string | null, string, string | null]>;
  readonly #deleteAffected: Statement<[string]>;
  readonly #deleteAliases: Statement<[string]>;
  readonly #insertAffected: Statement<[string, string, string, string]>;
  readonly #insertAlias: Statement<[string, string]>;

  constructor(db: VulnDb) {
    this.#db = db;
    const sqlite = db.sqlite;
    this.#modifiedOf = sqlite.prepare('SELECT modified_ms FROM records WHERE id = ?');
    this.#upsert = sqlite.prepare(
      `INSERT OR REPLACE INTO records (id, modified, modified_ms, withdrawn, source, body)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#deleteAffected = sqlite.prepare('DELETE FROM affected WHERE id = ?');
    this.#deleteAliases = sqlite.prepare('DELETE FROM aliases WHERE id = ?');
    this.#insertAffected = sqlite.prepare(
      'INSERT OR IGNORE INTO affected (ecosystem, name, id, body) VALUES (?, ?, ?, ?)',
    );
    this.#insertAlias = sqlite.prepare('INSERT OR IGNORE INTO aliases (alias, id) VALUES (?, ?)');
  }

  /** Stores `record` (whose original JSON text is `json`) unless a newer or equal one is stored. */
  put(record: OsvRecord, json: string, source: string): PutOutcome {
    const modified = Date.parse(record.modified);
    const stored = this.#modifiedOf.get(record.id);
    if (stored && stored.modified_ms >= modified) return 'unchanged';
    if (stored) {
      this.#deleteAffected.run(record.id);
      this.#deleteAliases.run(record.id);
    }
    const packages = new Map<string, [string, string]>();
    if (record.withdrawn === undefined) {
      for (const entry of record.affected ?? []) {
        const pkg = entry.package;
        if (!pkg) continue;
        const name = normalizePackageName(pkg.ecosystem, pkg.name);
        packages.set(`${pkg.ecosystem}\u0000${name}`, [pkg.ecosystem, name]);
      }
    }
    const withdrawn = record.withdrawn ?? null;
    this.#upsert.run(
      record.id,
      record.modified,
      modified,
      withdrawn,
      source,
      packages.size > 0 ? null : json,
    );
    for (const [ecosystem, name] of packages.values())
      this.#insertAffected.run(ecosystem, name, record.id, json);
    for (const alias of record.aliases ?? []) this.#insertAlias.run(alias, record.id);
    return stored ? 'replaced' : 'inserted';
  }

  /** Records (or refreshes) a source and its HTTP validators. */
  recordSource(source: SourceRecord): void {
    this.#db.sqlite
      .prepare(
        `INSERT OR REPLACE INTO sources (name, url, etag, last_modified, updated_at, imported_by)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        source.name,
        source.url ?? null,
        source.etag ?? null,
        source.lastModified ?? null,
        new Date().toISOString(),
        source.importedBy,
      );
  }

  /** Sets a `meta` value. */
  setMeta(key: string, value: string): void {
    this.#db.sqlite
      .prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)')
      .run(key, value);
  }
}
