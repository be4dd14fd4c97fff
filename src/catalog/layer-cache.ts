/**
 * The layer analysis cache: what each layer did to the flattened image (its operations and the
 * analyzers' results), keyed by the layer's digest and a fingerprint of the analyzers, stored as
 * one gzip file per layer in a directory bounded in size with least-recently-used eviction (a
 * read touches the file's modification time). Rescanning an image whose layers are cached reads
 * no layer at all; an image sharing base layers reads only its new ones. Plain files rather than
 * SQLite: no native module to load, which keeps start-up and peak memory down.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

import {
  compactRemovals,
  isLayerOp,
  type LayerOp,
  type LayerRecorder,
} from '../image/layer-ops.js';
import type { Limits } from '../util/limits.js';
import type { AnalysisResult, Analyzer } from './types.js';

/** Bumped whenever the stored layout of an entry changes. */
const cacheFormat = 2;
/** Default bound on the store's payload bytes. */
const defaultMaxBytes = 512 * 1024 * 1024;
/** Largest single entry stored (a layer of hundreds of thousands of files). */
const maxEntryBytes = 64 * 1024 * 1024;
const entrySuffix = '.layer.gz';
/** Largest decoded entry accepted: a damaged or planted file cannot inflate without bound. */
const maxDecodedBytes = 512 * 1024 * 1024;

/** What one cached layer holds. */
interface CachedLayer {
  ops: LayerOp<AnalysisResult[]>[];
  warnings: string[];
}

/** The directory of the layer cache inside a cache directory (src/util/cache-paths.ts owns it). */
export { layerCachePath } from '../util/cache-paths.js';

const noop = () => undefined;

/** A bounded, persistent store of per-layer analysis: one file per entry. */
export class LayerCache {
  private clock = Date.now();
  /** Set once a write failed (full disk, read-only file system): no more writes this run. */
  private writeFailure: unknown;

  private constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly onWriteFailure: (message: string) => void,
  ) {}

  /**
   * Opens (creating if needed) the cache directory `dir`. A write that fails later (a full disk)
   * stops further writes for this run and is reported once through `onWriteFailure`: the cache
   * costs speed, never the scan.
   */
  static open(
    dir: string,
    options: { maxBytes?: number; onWriteFailure?: (message: string) => void } = {},
  ): LayerCache {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new LayerCache(dir, options.maxBytes ?? defaultMaxBytes, options.onWriteFailure ?? noop);
  }

  /** The stored bytes under `key`, marking them recently used. */
  get(key: string): Buffer | undefined {
    const file = this.fileOf(key);
    try {
      const data = readFileSync(file);
      this.touch(file);
      return data;
    } catch {
      return undefined;
    }
  }

  /** Stores `data` under `key`, then evicts least recently used entries past the size bound. */
  put(key: string, data: Buffer): void {
    if (data.length > maxEntryBytes || data.length > this.maxBytes) return;
    if (this.writeFailure !== undefined) return;
    const file = this.fileOf(key);
    // Written aside and renamed: a reader never sees half an entry.
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      writeFileSync(temp, data, { mode: 0o600 });
      renameSync(temp, file);
      this.touch(file);
      this.evict();
    } catch (error) {
      rmSync(temp, { force: true });
      this.writeFailure = error;
      const cause = error instanceof Error ? error.message : String(error);
      this.onWriteFailure(`layer cache ${this.dir} turned off for this run: ${cause}`);
    }
  }

  /** Forgets `key` (used for an entry that no longer decodes). */
  delete(key: string): void {
    rmSync(this.fileOf(key), { force: true });
  }

  /** Number of entries and payload bytes held. */
  stats(): { entries: number; bytes: number } {
    const entries = this.entries();
    return { entries: entries.length, bytes: entries.reduce((sum, e) => sum + e.size, 0) };
  }

  /** Nothing to release; kept so callers need not know the storage. */
  close(): void {}

  private fileOf(key: string): string {
    return join(this.dir, `${createHash('sha256').update(key).digest('hex')}${entrySuffix}`);
  }

  /** Marks a file used now; a strictly increasing clock keeps the order within a millisecond. */
  private touch(file: string): void {
    this.clock = Math.max(this.clock + 1, Date.now());
    const when = new Date(this.clock);
    utimesSync(file, when, when);
  }

  private entries(): { file: string; size: number; used: number }[] {
    return readdirSync(this.dir)
      .filter((name) => name.endsWith(entrySuffix))
      .flatMap((name) => {
        const file = join(this.dir, name);
        try {
          const stat = statSync(file);
          return [{ file, size: stat.size, used: stat.mtimeMs }];
        } catch {
          return [];
        }
      });
  }

  private evict(): void {
    const entries = this.entries().sort((a, b) => a.used - b.used);
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    for (const entry of entries) {
      if (total <= this.maxBytes) break;
      rmSync(entry.file, { force: true });
      total -= entry.size;
    }
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
        const layer: CachedLayer = {
          ops: compactRemovals(ops),
          warnings: warnings.list.slice(start),
        };
        cache.put(keyOf(digest), gzipSync(JSON.stringify(layer)));
      }
      return Promise.resolve();
    },
  };
}

/** Decodes a stored entry; undefined when it is damaged (it is then dropped, not trusted). */
function decode(data: Buffer): CachedLayer | undefined {
  try {
    const json = gunzipSync(data, { maxOutputLength: maxDecodedBytes }).toString('utf8');
    const value = JSON.parse(json) as Partial<CachedLayer>;
    if (!Array.isArray(value.ops) || !Array.isArray(value.warnings)) return undefined;
    if (!value.ops.every((op) => isLayerOp(op, Array.isArray))) return undefined;
    return { ops: value.ops, warnings: value.warnings.filter((w) => typeof w === 'string') };
  } catch {
    return undefined;
  }
}
