/**
 * Writes OSV records into an open (writable) database: each record's text is stored once and
 * referenced from a row per package it names. A record replaces the stored one with the same id
 * only when its `modified` is newer; its package rows and aliases are replaced with it. Withdrawn
 * records are stored and flagged, so a later re-import cannot revive them; they get no package
 * rows, so lookups never see them.
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
  readonly #stored: Statement<[string], { rid: number; modified_ms: number }>;
  readonly #insert: Statement<[string, string, number, string | null, string, string]>;
  readonly #update: Statement<[string, number, string | null, string, string, number]>;
  readonly #deleteAffected: Statement<[string]>;
  readonly #deleteAliases: Statement<[string]>;
  readonly #insertAffected: Statement<[string, string, string, number]>;
  readonly #insertAlias: Statement<[string, string]>;

  constructor(db: VulnDb) {
    this.#db = db;
    const sqlite = db.sqlite;
    this.#stored = sqlite.prepare('SELECT rid, modified_ms FROM records WHERE id = ?');
    this.#insert = sqlite.prepare(
      `INSERT INTO records (id, modified, modified_ms, withdrawn, source, body)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#update = sqlite.prepare(
      `UPDATE records SET modified = ?, modified_ms = ?, withdrawn = ?, source = ?, body = ?
       WHERE rid = ?`,
    );
    this.#deleteAffected = sqlite.prepare('DELETE FROM affected WHERE id = ?');
    this.#deleteAliases = sqlite.prepare('DELETE FROM aliases WHERE id = ?');
    this.#insertAffected = sqlite.prepare(
      'INSERT OR IGNORE INTO affected (ecosystem, name, id, rid) VALUES (?, ?, ?, ?)',
    );
    this.#insertAlias = sqlite.prepare('INSERT OR IGNORE INTO aliases (alias, id) VALUES (?, ?)');
  }

  /** Stores `record` (whose original JSON text is `json`) unless a newer or equal one is stored. */
  put(record: OsvRecord, json: string, source: string): PutOutcome {
    const modified = Date.parse(record.modified);
    const stored = this.#stored.get(record.id);
    if (stored && stored.modified_ms >= modified) return 'unchanged';
    const withdrawn = record.withdrawn ?? null;
    let rid: number;
    if (stored) {
      this.#deleteAffected.run(record.id);
      this.#deleteAliases.run(record.id);
      this.#update.run(record.modified, modified, withdrawn, source, json, stored.rid);
      rid = stored.rid;
    } else {
      const info = this.#insert.run(record.id, record.modified, modified, withdrawn, source, json);
      rid = Number(info.lastInsertRowid);
    }
    if (withdrawn === null) {
      // One reference per package the record names, however many entries name it.
      for (const entry of record.affected ?? []) {
        const pkg = entry.package;
        if (!pkg) continue;
        const name = normalizePackageName(pkg.ecosystem, pkg.name);
        this.#insertAffected.run(pkg.ecosystem, name, record.id, rid);
      }
    }
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
