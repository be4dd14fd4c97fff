/**
 * better-sqlite3, loaded on first use: the native module costs start-up time and memory, and most
 * runs (a Debian or Alpine image, `--format json`) never open an SQLite file.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);

/** Opens an SQLite file with better-sqlite3 (throws what it throws: no file, not a database…). */
export type OpenSqlite = (path: string, options: BetterSqlite3.Options) => BetterSqlite3.Database;

let open: OpenSqlite | undefined;

/**
 * Loads better-sqlite3 (once) and returns its opener; a failure here is the addon's, not a file's.
 * @example const db = loadSqlite()(path, { readonly: true, fileMustExist: true });
 */
export function loadSqlite(): OpenSqlite {
  if (!open) {
    const Database = require('better-sqlite3') as typeof BetterSqlite3;
    const nativeBinding = builtAddon();
    open = (path, options) =>
      new Database(path, nativeBinding ? { ...options, nativeBinding } : options);
  }
  return open;
}

/**
 * Where the addon is when npm built or fetched it. Named, it is loaded directly; otherwise the
 * package's own lookup (the `bindings` package) tries a dozen places, throwing and catching an
 * error for each miss: ~2 ms of a ~100 ms rescan.
 */
function builtAddon(): string | undefined {
  // The package's main file is lib/index.js; resolving it again hits Node's resolution cache.
  const path = join(
    dirname(require.resolve('better-sqlite3')),
    '..',
    'build',
    'Release',
    'better_sqlite3.node',
  );
  return existsSync(path) ? path : undefined;
}
