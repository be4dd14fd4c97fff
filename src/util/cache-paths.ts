/**
 * Every path of Moat's caches, owned here and nowhere else. The cache directory is `--cache-dir`
 * when given, else `$MOAT_CACHE_DIR`, else `$XDG_CACHE_HOME/moat`, else `~/.cache/moat`; inside
 * it the vulnerability database is `db/moat-vuln.db`, the layer analysis cache `layers/` and the
 * V8 code cache of the executable `code/<node version>-<arch>/`.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The cache directory for this environment (when `--cache-dir` is not given). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MOAT_CACHE_DIR) return env.MOAT_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'moat');
  return join(homedir(), '.cache', 'moat');
}

/** The database file inside a cache directory (default: {@link defaultCacheDir}). */
export function vulnDbPath(cacheDir: string = defaultCacheDir()): string {
  return join(cacheDir, 'db', 'moat-vuln.db');
}

/** The directory of the layer analysis cache inside a cache directory. */
export function layerCachePath(cacheDir: string = defaultCacheDir()): string {
  return join(cacheDir, 'layers');
}

/**
 * The code cache directory for this Node.js and architecture inside a cache directory: data V8
 * or Node made for one version is refused by another, so each keeps its own.
 */
export function codeCachePath(cacheDir: string = defaultCacheDir()): string {
  return join(cacheDir, 'code', `${process.version}-${process.arch}`);
}
