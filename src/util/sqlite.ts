/**
 * better-sqlite3, opened through one function so that every caller gets its native addon by the
 * same route. The addon is loaded on first use: it costs start-up time and memory, and most runs
 * (a Debian or Alpine image, `--format json`) never open an SQLite file. The package's JavaScript
 * is part of the CLI bundle (compiled from its code cache, without resolving a dozen files).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import Database from 'better-sqlite3';

const require = createRequire(import.meta.url);

/** Opens an SQLite file with better-sqlite3 (throws what it throws: no file, not a database…). */
export type OpenSqlite = (path: string, options: Database.Options) => Database.Database;

let open: OpenSqlite | undefined;

/**
 * The opener, deciding once where the native addon comes from; the addon itself loads with the
 * first database opened (a failure to load it surfaces there).
 * @example const db = loadSqlite()(path, { readonly: true, fileMustExist: true });
 */
export function loadSqlite(): OpenSqlite {
  if (!open) {
    const nativeBinding = builtAddon();
    if (nativeBinding) {
      open = (path, options) => new Database(path, { ...options, nativeBinding });
    } else {
      // Elsewhere the package finds its addon itself, relative to its own files: loaded from
      // node_modules, not from the bundle.
      const External = require('better-sqlite3') as typeof Database;
      open = (path, options) => new External(path, options);
    }
  }
  return open;
}

/**
 * Where the addon is when npm built or fetched it. Named, it is loaded directly; otherwise the
 * package's own lookup (the `bindings` package) tries a dozen places, throwing and catching an
 * error for each miss.
 */
function builtAddon(): string | undefined {
  const path = join(
    dirname(require.resolve('better-sqlite3/package.json')),
    'build',
    'Release',
    'better_sqlite3.node',
  );
  return existsSync(path) ? path : undefined;
}
