/**
 * `importOsv`: reads OSV records from zips, directory trees, single JSON/YAML files and URLs
 * into the database. The import works on a copy of the database file that replaces the original
 * only once complete, so a failed import leaves the previous database intact; it holds the
 * database's write lock (write-lock.ts) from the copy to the rename, so a concurrent import
 * starts from this one's result instead of overwriting it. A malformed record is skipped and
 * counted (the first reasons kept); it never aborts the import.
 */
import { rm } from 'node:fs/promises';

import { isMoatError, LimitExceededError } from '../errors.js';
import { commitFile, discardFile, tempPathBeside, workingCopyOf } from './atomic.js';
import { openVulnDb, type VulnDb } from './database.js';
import { decodeDocument } from './decode.js';
import { readSourceDocuments, type SourceDocument } from './documents.js';
import { downloadToFile } from './download.js';
import { isKnownEcosystem } from './ecosystems.js';
import { defaultVulnDbLimits, type VulnDbLimits } from './limits.js';
import { parseOsvRecord, type OsvRecord } from './osv.js';
import { withWriteLock, type WriteLockOptions } from './write-lock.js';
import { RecordWriter, type SourceRecord } from './writer.js';

/** A source to import: a path or URL, optionally with what to record about it. */
export type ImportSource =
  | string
  | {
      /** Local path (file or directory) or http(s) URL to read. */
      location: string;
      /** Name recorded in `sources` (default: the location). */
      name?: string;
      url?: string;
      etag?: string;
      lastModified?: string;
    };

/** Progress of an import, reported as it goes. */
export interface ImportProgress {
  source: string;
  /** Records read so far over all sources. */
  records: number;
}

/** Options of {@link importOsv}. */
export interface ImportOptions {
  /** How the sources are recorded: `manual` (default, `moat db import`) or `update`. */
  importedBy?: 'update' | 'manual';
  limits?: Partial<VulnDbLimits>;
  onProgress?: (progress: ImportProgress) => void;
  /** How long to wait for another writer of the same database, and what to say meanwhile. */
  lock?: WriteLockOptions;
}

/** What an import did. */
export interface ImportSummary {
  /** Records read and valid. */
  records: number;
  inserted: number;
  replaced: number;
  /** Valid records not stored because the stored one is as new or newer. */
  unchanged: number;
  /** Valid records that are withdrawn (stored, flagged, never matched). */
  withdrawn: number;
  /** Malformed records skipped. */
  skipped: number;
  /** The first five reasons for skipping, each naming the document. */
  skipReasons: string[];
  /** Records per ecosystem Moat does not catalog (imported all the same). */
  unknownEcosystems: Record<string, number>;
}

const BATCH = 2000;
const PROGRESS_EVERY = 1000;
const MAX_REASONS = 5;

/**
 * Imports every source into the database at `dbPath` (created when missing), replacing a stored
 * record only by one with a newer `modified`.
 * @throws MoatError OSV_INVALID for a source that cannot be read at all, DB_SCHEMA_TOO_NEW,
 *   DB_SOURCE_UNAVAILABLE for a URL that cannot be fetched, LIMIT_EXCEEDED, DB_LOCKED; nothing is
 *   changed then.
 */
export async function importOsv(
  dbPath: string,
  sources: ImportSource[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  return withWriteLock(dbPath, () => importLocked(dbPath, sources, options), options.lock);
}

async function importLocked(
  dbPath: string,
  sources: ImportSource[],
  options: ImportOptions,
): Promise<ImportSummary> {
  const limits = { ...defaultVulnDbLimits, ...options.limits };
  const summary: ImportSummary = {
    records: 0,
    inserted: 0,
    replaced: 0,
    unchanged: 0,
    withdrawn: 0,
    skipped: 0,
    skipReasons: [],
    // Ecosystem names come from the source: `__proto__` must count, not reset the prototype.
    unknownEcosystems: Object.create(null) as Record<string, number>,
  };
  const copy = await workingCopyOf(dbPath);
  let db: VulnDb | undefined;
  try {
    db = await openOrRebuild(copy);
    // The copy is thrown away on failure, so it needs neither a journal nor synchronous writes.
    db.sqlite.pragma('journal_mode = OFF');
    db.sqlite.pragma('synchronous = OFF');
    const writer = new RecordWriter(db);
    for (const source of sources) {
      const info = typeof source === 'string' ? { location: source } : source;
      const importer = new SourceImport(
        db,
        writer,
        info.name ?? info.location,
        summary,
        limits,
        options,
      );
      await importer.run(info.location, info.url ?? info.location, dbPath);
      const record: SourceRecord = {
        name: info.name ?? info.location,
        importedBy: options.importedBy ?? 'manual',
        ...(/^https?:\/\//.test(info.location) ? { url: info.location } : {}),
        ...(info.url !== undefined ? { url: info.url } : {}),
        ...(info.etag !== undefined ? { etag: info.etag } : {}),
        ...(info.lastModified !== undefined ? { lastModified: info.lastModified } : {}),
      };
      writer.recordSource(record);
    }
    writer.setMeta('updated_at', new Date().toISOString());
    const origin = db.sqlite.prepare("SELECT value FROM meta WHERE key = 'origin'").get();
    if (origin === undefined) writer.setMeta('origin', 'osv');
    db.close();
    db = undefined;
    await commitFile(copy, dbPath);
    return summary;
  } catch (error) {
    db?.close();
    await discardFile(copy);
    throw error;
  }
}

/** The import of one source into the working copy. */
class SourceImport {
  readonly #pending: { record: OsvRecord; json: string }[] = [];
  readonly #flush: () => void;

  constructor(
    db: VulnDb,
    writer: RecordWriter,
    readonly name: string,
    readonly summary: ImportSummary,
    readonly limits: VulnDbLimits,
    readonly options: ImportOptions,
  ) {
    this.#flush = db.sqlite.transaction(() => {
      for (const { record, json } of this.#pending) {
        this.summary[writer.put(record, json, this.name)] += 1;
      }
      this.#pending.length = 0;
    });
  }

  async run(location: string, label: string, dbPath: string): Promise<void> {
    if (!/^https?:\/\//.test(location)) {
      await this.#readAll(readSourceDocuments(location, this.limits, label));
      return;
    }
    const download = tempPathBeside(dbPath, 'download');
    try {
      await downloadToFile(location, download, { maxBytes: this.limits.maxDownloadBytes });
      await this.#readAll(readSourceDocuments(download, this.limits, location));
    } finally {
      await rm(download, { force: true });
    }
  }

  async #readAll(documents: AsyncIterable<SourceDocument>): Promise<void> {
    for await (const document of documents) {
      if ('error' in document) {
        this.#skip(document.origin, document.error);
        continue;
      }
      const decoded = await decodeDocument(
        document.data,
        document.format,
        this.limits,
        document.origin,
      );
      if (!decoded.ok) {
        this.#skip(document.origin, decoded.reason);
        continue;
      }
      for (const value of decoded.values) this.#accept(document.origin, value);
      if (this.#pending.length >= BATCH) this.#flush();
    }
    this.#flush();
    this.options.onProgress?.({ source: this.name, records: this.summary.records });
  }

  #accept(origin: string, value: unknown): void {
    const parsed = parseOsvRecord(value, this.limits.maxRecordDepth);
    if (!parsed.ok) {
      this.#skip(origin, parsed.reason);
      return;
    }
    const { record } = parsed;
    const summary = this.summary;
    summary.records += 1;
    if (summary.records > this.limits.maxRecordsPerImport) {
      throw new LimitExceededError(
        `more than ${this.limits.maxRecordsPerImport} records in one import`,
      );
    }
    if (record.withdrawn !== undefined) summary.withdrawn += 1;
    const unknown = new Set(
      (record.affected ?? [])
        .map((entry) => entry.package?.ecosystem)
        .filter((ecosystem): ecosystem is string => !!ecosystem && !isKnownEcosystem(ecosystem)),
    );
    for (const ecosystem of unknown) {
      summary.unknownEcosystems[ecosystem] = (summary.unknownEcosystems[ecosystem] ?? 0) + 1;
    }
    // The original value is stored, with the fields Moat does not model.
    this.#pending.push({ record, json: JSON.stringify(value) });
    if (summary.records % PROGRESS_EVERY === 0) {
      this.options.onProgress?.({ source: this.name, records: summary.records });
    }
  }

  #skip(origin: string, reason: string): void {
    this.summary.skipped += 1;
    if (this.summary.skipReasons.length < MAX_REASONS) {
      this.summary.skipReasons.push(`${origin}: ${reason}`);
    }
  }
}

/**
 * Opens the working copy for writing; a database of an older schema is not migrated but rebuilt
 * from this import (its records were derived from sources that can be imported again).
 */
async function openOrRebuild(copy: string): Promise<VulnDb> {
  try {
    return openVulnDb(copy, { readonly: false });
  } catch (error) {
    if (!isMoatError(error) || error.code !== 'DB_SCHEMA_TOO_OLD') throw error;
    await discardFile(copy);
    return openVulnDb(copy, { readonly: false });
  }
}
