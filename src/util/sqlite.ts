/**
 * better-sqlite3, loaded on first use: the native module costs start-up time and memory, and most
 * runs (a Debian or Alpine image, `--format json`) never open an SQLite file.
 */
import { createRequire } from 'node:module';

import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);
let sqlite: typeof BetterSqlite3 | undefined;

/** The better-sqlite3 `Database` constructor. */
export function loadSqlite(): typeof BetterSqlite3 {
  sqlite ??= require('better-sqlite3') as typeof BetterSqlite3;
  return sqlite;
}
