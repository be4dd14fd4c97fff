/**
 * Where the vulnerability database lives: `$MOAT_CACHE_DIR`, else `$XDG_CACHE_HOME/moat`,
 * else `~/.cache/moat`; the database file is `db/moat-vuln.db` inside it.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The cache directory for this environment. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MOAT_CACHE_DIR) return env.MOAT_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'moat');
  return join(homedir(), '.cache', 'moat');
}

/** The database file inside a cache directory (default: {@link defaultCacheDir}). */
export function vulnDbPath(cacheDir: string = defaultCacheDir()): string {
  return join(cacheDir, 'db', 'moat-vuln.db');
}
