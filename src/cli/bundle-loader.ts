/**
 * Start-up speed, all in this module: loads the bundled CLI (CommonJS chunks in `dist/bundle/`)
 * with a code cache, so that a command spends its time on its work rather than on parsing and
 * compiling ~1 MB of JavaScript again (a rescan from the layer cache is mostly start-up). Where
 * Node has `module.enableCompileCache()` (22.1 and later) it does the work; on Node 20 each chunk
 * is compiled through `vm.Script` with V8 cached data kept from an earlier run. Moat changes no V8
 * flag at start-up or at run time (Node documents `v8.setFlagsFromString` after start-up as
 * unpredictable; a start-up flag would also make V8 refuse Node's own built-in code cache).
 *
 * Measured benefit (2026-12-04, 2 cores, Node 20.20.2, `bin/moat.cjs`, instructions counted by
 * valgrind's cachegrind, cache on vs `MOAT_CODE_CACHE=0`): `moat --version` 593 M vs 636 M
 * (0.93); `moat sbom` of the Debian image from the layer cache 835 M vs 934 M (0.89).
 *
 * The cache lives under `<cache-dir>/code/<node version>-<arch>/` (`util/cache-paths.ts`), where
 * `<cache-dir>` is `--cache-dir` when the command line has it ({@link codeCacheDirOf}), so every
 * cache honours it. One file per chunk named by a hash of its source, so a rebuilt or upgraded
 * Moat never reads a stale entry; V8 itself refuses data made by another V8, and the chunk is then
 * compiled as usual. A chunk run without usable data gets its cache written by
 * {@link LoadedBundle.saveCodeCache}, which bin/moat.cjs calls when the process exits (after the
 * work, so the functions compiled lazily are included); writes are atomic and any failure is
 * ignored: the cache costs speed, never a run. Every Moat build writes files of its own, so the
 * directory is kept to {@link maxCodeCacheFiles} files, the least recently written removed first.
 * `MOAT_CODE_CACHE=0` turns it off.
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
import nodeModule, { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Script } from 'node:vm';

import { codeCachePath, defaultCacheDir } from '../util/cache-paths.js';

/** The most files the code cache directory keeps (a build has about 35 chunks). */
export const maxCodeCacheFiles = 256;

/** Options of {@link loadBundle}. */
export interface BundleLoaderOptions {
  /** Where cached data lives; undefined turns the cache off. */
  codeCacheDir?: string;
  /**
   * `node` uses `module.enableCompileCache()`, `moat` the loader of this module; by default the
   * first where Node has it.
   */
  engine?: CodeCacheEngine;
}

/** Who keeps the code cache: Node itself (22.1 and later) or this module. */
export type CodeCacheEngine = 'node' | 'moat';

/** `module.enableCompileCache`, where this Node has it (22.1 and later). */
const enableCompileCache = (
  nodeModule as { enableCompileCache?: (dir: string) => { status: number } }
).enableCompileCache;

/** The engine {@link loadBundle} uses by default on this Node. */
export const defaultCodeCacheEngine: CodeCacheEngine =
  enableCompileCache === undefined ? 'moat' : 'node';

/**
 * The code cache directory for a command line `argv` (without node and script): under its
 * `--cache-dir` when it has one, else under the default cache directory; undefined when
 * `MOAT_CODE_CACHE=0`. Read before commander parses the line, so only the two spellings
 * `--cache-dir DIR` and `--cache-dir=DIR` before a `--` count.
 */
export function codeCacheDirOf(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (env.MOAT_CODE_CACHE === '0') return undefined;
  let cacheDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    if (arg === '--cache-dir' && i + 1 < argv.length) cacheDir = argv[++i];
    else if (arg.startsWith('--cache-dir=')) cacheDir = arg.slice('--cache-dir='.length);
  }
  return codeCachePath(cacheDir || defaultCacheDir(env));
}

interface LoadedChunk {
  exports: Record<string, unknown>;
}

/** A loaded bundle. */
export interface LoadedBundle {
  /** The entry chunk's exports. */
  exports: Record<string, unknown>;
  /** Who keeps the code cache of this bundle. */
  readonly engine: CodeCacheEngine;
  /** How many chunks were compiled from cached data so far (by this module's loader). */
  readonly cachedChunks: number;
  /** Writes cached data for the chunks loaded without usable data. */
  saveCodeCache(): void;
}

/**
 * Loads the CommonJS chunk `entry` and the chunks it requires (relative `./` specifiers); every
 * other specifier goes to Node's own `require`.
 * @example
 * const bundle = loadBundle('dist/bundle/moat.cjs', { codeCacheDir: codeCacheDirOf(argv) });
 * process.once('exit', () => bundle.saveCodeCache());
 */
export function loadBundle(entry: string, options: BundleLoaderOptions = {}): LoadedBundle {
  if ((options.engine ?? defaultCodeCacheEngine) === 'node' && enableCompileCache !== undefined) {
    if (options.codeCacheDir !== undefined) enableCompileCache(options.codeCacheDir);
    return {
      exports: createRequire(entry)(resolve(entry)) as Record<string, unknown>,
      engine: 'node',
      cachedChunks: 0,
      // Node writes its cache at exit by itself.
      saveCodeCache: () => undefined,
    };
  }
  const chunks = new Map<string, LoadedChunk>();
  const toWrite: { key: string; script: Script }[] = [];
  const cacheDir = options.codeCacheDir;
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
    const cachedData = key === undefined ? undefined : readOptional(`${key}${suffix}`);
    const script = new Script(
      `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
      { filename: file, ...(cachedData ? { cachedData } : {}) },
    );
    const accepted = cachedData !== undefined && script.cachedDataRejected !== true;
    if (accepted) cachedChunks++;
    if (key !== undefined && !accepted) toWrite.push({ key, script });
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
    engine: 'moat',
    get cachedChunks() {
      return cachedChunks;
    },
    saveCodeCache() {
      if (cacheDir !== undefined) writeCaches(cacheDir, toWrite.splice(0));
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

/** Suffix of the files of cached data. */
const suffix = '.bin';

function writeCaches(dir: string, scripts: readonly { key: string; script: Script }[]): void {
  if (scripts.length === 0) return;
  try {
    mkdirSync(dir, { recursive: true });
    for (const { key, script } of scripts) {
      const temp = `${key}.${process.pid}.tmp`;
      writeFileSync(temp, script.createCachedData());
      renameSync(temp, `${key}${suffix}`);
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
