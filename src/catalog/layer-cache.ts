/**
 * The layer analysis cache: what each layer did to the flattened image (its operations and the
 * analyzers' results), keyed by the layer's digest and a fingerprint of the analyzers, in a
 * bounded SQLite store with least-recently-used eviction. Rescanning an image whose layers are
 * cached reads no layer at all; an image sharing base layers reads only its new ones.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

import type BetterSqlite3 from 'better-sqlite3';

import type { LayerOp, LayerRecorder } from '../image/layer-ops.js';
import type { Limits } from '../util/limits.js';
import type { AnalysisResult, Analyzer } from './types.js';

// Loaded on first use, like every native or heavy dependency (start-up memory counts).
const require = createRequire(import.meta.url);

/** Bumped whenever the stored layout of an entry changes. */
const cacheFormat = 1;
/** Default bound on the store's payload bytes. */
const defaultMaxBytes = 512 * 1024 * 1024;
/** Largest single entry stored (a layer of hundreds of thousands of files). */
const maxEntryBytes = 64 * 1024 * 1024;

/** What one cached layer holds. */
interface CachedLayer {
  ops: LayerOp<AnalysisResult[]>[];
  warnings: string[];
}

/** The file of the layer cache inside a cache directory. */
export function layerCachePath(cacheDir: string): string {
  return join(cacheDir, 'layers', 'analysis.db');
}

/** A bounded, persistent store of per-layer analysis. */
export class LayerCache {
  private constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly maxBytes: number,
  ) {}

  /** Opens (creating if needed) the cache at `path`. */
  static open(path: string, options: { maxBytes?: number } = {}): LayerCache {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const Database = require('better-sqlite3') as typeof BetterSqlite3;
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.exec(`CREATE TABLE IF NOT EXISTS layers (
      key TEXT PRIMARY KEY, data BLOB NOT NULL, size INTEGER NOT NULL, last_used INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS layers_last_used ON layers (last_used)`);
    return new LayerCache(db, options.maxBytes ?? defaultMaxBytes);
  }

  /** The stored bytes under `key`, marking them recently used. */
  get(key: string): Buffer | undefined {
    const row = this.db.prepare('SELECT data FROM layers WHERE key = ?').get(key) as
      { data: Buffer } | undefined;
    if (row) this.db.prepare('UPDATE layers SET last_used = ? WHERE key = ?').run(this.tick(), key);
    return row?.data;
  }

  /** Stores `data` under `key`, then evicts least recently used entries past the size bound. */
  put(key: string, data: Buffer): void {
    if (data.length > maxEntryBytes || data.length > this.maxBytes) return;
    this.db
      .prepare('INSERT OR REPLACE INTO layers (key, data, size, last_used) VALUES (?, ?, ?, ?)')
      .run(key, data, data.length, this.tick());
    const total = () =>
      (
        this.db.prepare('SELECT COALESCE(SUM(size), 0) AS total FROM layers').get() as {
          total: number;
        }
      ).total;
    const oldest = this.db.prepare(
      'SELECT key FROM layers ORDER BY last_used ASC, rowid ASC LIMIT 1',
    );
    const remove = this.db.prepare('DELETE FROM layers WHERE key = ?');
    while (total() > this.maxBytes) {
      const row = oldest.get() as { key: string } | undefined;
      if (!row) break;
      remove.run(row.key);
    }
  }

  /** A use counter: strictly increasing, unlike the clock within one millisecond. */
  private tick(): number {
    const row = this.db
      .prepare('SELECT COALESCE(MAX(last_used), 0) + 1 AS next FROM layers')
      .get() as {
      next: number;
    };
    return row.next;
  }

  /** Forgets `key` (used for an entry that no longer decodes). */
  delete(key: string): void {
    this.db.prepare('DELETE FROM layers WHERE key = ?').run(key);
  }

  /** Number of entries and payload bytes held. */
  stats(): { entries: number; bytes: number } {
    const row = this.db
      .prepare('SELECT COUNT(*) AS entries, COALESCE(SUM(size), 0) AS bytes FROM layers')
      .get() as { entries: number; bytes: number };
    return row;
  }

  close(): void {
    this.db.close();
  }
}

/** A fingerprint of everything besides the layer's bytes that decides what analysis yields. */
export function analysisFingerprint(analyzers: readonly Analyzer[], limits: Limits): string {
  const identity = JSON.stringify({
    cacheFormat,
    analyzers: analyzers.map((a) => [a.name, a.version]),
    limits,
  });
  return createHash('sha256').update(identity).digest('hex').slice(0, 32);
}

/**
 * The walker's recorder over a {@link LayerCache}: replays cached layers (re-issuing their
 * warnings through `warn`) and records fresh ones with the warnings raised while they were read.
 * Only layers named by a content digest are cached (a `dir:` target changes under its name).
 */
export function cacheRecorder(
  cache: LayerCache,
  fingerprint: string,
  warnings: { list: readonly string[]; warn(message: string): void },
): LayerRecorder<AnalysisResult[]> & { startLayer(): void } {
  let start = 0;
  const keyOf = (digest: string) => `${digest}|${fingerprint}`;
  const cacheable = (digest: string) => /^sha(256|512):[0-9a-f]+$/.test(digest);
  return {
    startLayer() {
      start = warnings.list.length;
    },
    replay(digest) {
      if (!cacheable(digest)) return Promise.resolve(undefined);
      const data = cache.get(keyOf(digest));
      if (!data) return Promise.resolve(undefined);
      const layer = decode(data);
      if (!layer) {
        cache.delete(keyOf(digest));
        return Promise.resolve(undefined);
      }
      for (const message of layer.warnings) warnings.warn(message);
      return Promise.resolve(layer.ops);
    },
    record(digest, ops) {
      if (cacheable(digest)) {
        const layer: CachedLayer = { ops, warnings: warnings.list.slice(start) };
        cache.put(keyOf(digest), gzipSync(JSON.stringify(layer)));
      }
      return Promise.resolve();
    },
  };
}

/** Decodes a stored entry; undefined when it is damaged (it is then dropped, not trusted). */
function decode(data: Buffer): CachedLayer | undefined {
  try {
    const value = JSON.parse(gunzipSync(data).toString('utf8')) as Partial<CachedLayer>;
    if (!Array.isArray(value.ops) || !Array.isArray(value.warnings)) return undefined;
    return { ops: value.ops, warnings: value.warnings.filter((w) => typeof w === 'string') };
  } catch {
    return undefined;
  }
}
