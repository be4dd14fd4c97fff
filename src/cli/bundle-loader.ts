/**
 * Loads the bundled CLI (CommonJS chunks in `dist/bundle/`) with a V8 code cache, the way Node 22's
 * `module.enableCompileCache()` does for every module; Node 20 has no such switch. Each chunk is
 * compiled through `vm.Script` with the cached data kept from an earlier run, so a command spends
 * its time on its work rather than on parsing and compiling ~1 MB of JavaScript again (a rescan
 * from the layer cache is mostly start-up).
 *
 * The cache lives under `<cache-dir>/code/<node version>-<arch>/`, one file per chunk named by a
 * hash of its source, so a rebuilt or upgraded Moat never reads a stale entry; V8 itself refuses
 * data made by another V8 or with other flags, and the chunk is then compiled as usual. A chunk
 * run without usable data gets its cache written by {@link LoadedBundle.saveCodeCache}, which
 * bin/moat.cjs calls when the process exits (after the work, so the functions compiled lazily
 * are included), and earlier as partial data when V8's flags are about to change, in case the run
 * does not end normally (the next run uses it and writes complete data in its place); writes are
 * atomic and any failure is ignored: the cache costs speed, never a run. Every Moat build writes
 * files of its own, so the directory is kept to {@link maxCodeCacheFiles} files, the least
 * recently written removed first. `MOAT_CODE_CACHE=0` turns it off.
 */
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { cachedDataVersionTag } from 'node:v8';
import { Script } from 'node:vm';

import { defaultCacheDir } from '../vulndb/cache.js';

/** The most files the code cache directory keeps (a build has about 35 chunks). */
export const maxCodeCacheFiles = 256;

/** Options of {@link loadBundle}. */
export interface BundleLoaderOptions {
  /** Where cached data lives; undefined turns the cache off. */
  codeCacheDir?: string;
}

/** The code cache directory for this Node.js and architecture, or undefined when turned off. */
export function defaultCodeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.MOAT_CODE_CACHE === '0') return undefined;
  return join(defaultCacheDir(env), 'code', `${process.version}-${process.arch}`);
}

interface LoadedChunk {
  exports: Record<string, unknown>;
}

/** A loaded bundle. */
export interface LoadedBundle {
  /** The entry chunk's exports. */
  exports: Record<string, unknown>;
  /** How many chunks were compiled from cached data so far. */
  readonly cachedChunks: number;
  /**
   * Writes cached data for the chunks loaded without complete data (none, refused, or partial).
   * Does nothing once V8's flags have changed since loading: the data would carry the new flags
   * and be refused by every later run, which starts with the old ones.
   */
  saveCodeCache(options?: SaveCodeCacheOptions): void;
}

/** Options of {@link LoadedBundle.saveCodeCache}. */
export interface SaveCodeCacheOptions {
  /**
   * The run is not over (it saves now because V8's flags are about to change): the data holds
   * only the functions compiled so far, so it is kept as partial. Complete data saved at the end
   * of this run or of a later one replaces it; a later run that loads it saves complete data.
   */
  partial?: boolean;
}

/**
 * Loads the CommonJS chunk `entry` and the chunks it requires (relative `./` specifiers); every
 * other specifier goes to Node's own `require`.
 * @example
 * const bundle = loadBundle('dist/bundle/moat.cjs', { codeCacheDir: defaultCodeCacheDir() });
 * process.once('exit', () => bundle.saveCodeCache());
 */
export function loadBundle(entry: string, options: BundleLoaderOptions = {}): LoadedBundle {
  const chunks = new Map<string, LoadedChunk>();
  const toWrite: { key: string; script: Script }[] = [];
  const cacheDir = options.codeCacheDir;
  const tag = cachedDataVersionTag();
  let cachedChunks = 0;

  const load = (file: string): Record<string, unknown> => {
    const loaded = chunks.get(file);
    if (loaded) return loaded.exports;
    const bytes = readFileSync(file);
    const source = bytes.toString('utf8');
    // Hashing the bytes read, not the decoded text, spares encoding ~1 MB back to UTF-8.
    const key =
      cacheDir === undefined
        ? undefined
        : join(cacheDir, createHash('sha256').update(bytes).digest('hex').slice(0, 32));
    const complete = key === undefined ? undefined : readOptional(`${key}${COMPLETE}`);
    const cachedData =
      complete ?? (key === undefined ? undefined : readOptional(`${key}${PARTIAL}`));
    const script = new Script(
      `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
      { filename: file, ...(cachedData ? { cachedData } : {}) },
    );
    const accepted = cachedData !== undefined && script.cachedDataRejected !== true;
    if (accepted) cachedChunks++;
    if (key !== undefined && !(accepted && complete)) toWrite.push({ key, script });
    const chunk: LoadedChunk = { exports: {} };
    chunks.set(file, chunk);
    const nodeRequire = createRequire(file);
    const chunkRequire = Object.assign(
      (id: string): unknown =>
        id.startsWith('./') ? load(resolve(dirname(file), id)) : nodeRequire(id),
      { resolve: nodeRequire.resolve, cache: nodeRequire.cache, main: undefined },
    );
    const wrapper = script.runInThisContext() as (
      exports: unknown,
      require: unknown,
      module: LoadedChunk,
      filename: string,
      dirname: string,
    ) => void;
    wrapper.call(chunk.exports, chunk.exports, chunkRequire, chunk, file, dirname(file));
    return chunk.exports;
  };

  const exports = load(resolve(entry));
  return {
    exports,
    get cachedChunks() {
      return cachedChunks;
    },
    saveCodeCache(options = {}) {
      if (cacheDir === undefined || cachedDataVersionTag() !== tag) return;
      // Partial data is written for every chunk still waiting; they keep waiting for complete data.
      if (options.partial) writeCaches(cacheDir, toWrite, PARTIAL);
      else writeCaches(cacheDir, toWrite.splice(0), COMPLETE);
    },
  };
}

function readOptional(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Suffixes of the files of complete and of partial cached data. */
const COMPLETE = '.bin';
const PARTIAL = '.partial.bin';

function writeCaches(
  dir: string,
  scripts: readonly { key: string; script: Script }[],
  suffix: typeof COMPLETE | typeof PARTIAL,
): void {
  if (scripts.length === 0) return;
  try {
    mkdirSync(dir, { recursive: true });
    for (const { key, script } of scripts) {
      const temp = `${key}.${process.pid}.tmp`;
      writeFileSync(temp, script.createCachedData());
      renameSync(temp, `${key}${suffix}`);
      if (suffix === COMPLETE) rmSync(`${key}${PARTIAL}`, { force: true });
    }
    prune(dir);
  } catch {
    // A read-only or full cache directory only costs start-up time.
  }
}

/** Removes the least recently written files beyond {@link maxCodeCacheFiles}. */
function prune(dir: string): void {
  const names = readdirSync(dir);
  if (names.length <= maxCodeCacheFiles) return;
  const byAge = names
    .map((name) => ({ name, written: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => a.written - b.written);
  for (const { name } of byAge.slice(0, byAge.length - maxCodeCacheFiles))
    rmSync(join(dir, name), { force: true });
}
