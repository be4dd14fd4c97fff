/**
 * Loads better-sqlite3 on first use (the native module costs memory at start-up, and most
 * commands never touch the vulnerability database) and opens database files with typed errors.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

import type BetterSqlite3 from 'better-sqlite3';

import { MoatError } from '../errors.js';

const require = createRequire(import.meta.url);
let sqlite: typeof BetterSqlite3 | undefined;

/** A better-sqlite3 connection. */
export type SqliteDatabase = BetterSqlite3.Database;

/**
 * Opens the SQLite file at `path`; read-only opens require the file to exist.
 * @throws MoatError DB_NOT_FOUND when a read-only open finds no file, DB_INVALID when it is not SQLite.
 */
export function openSqlite(path: string, readonly: boolean): SqliteDatabase {
  if (readonly && !existsSync(path)) {
    throw new MoatError(
      'DB_NOT_FOUND',
      `${path}: no vulnerability database; run \`moat db update\` or \`moat db import\``,
    );
  }
  sqlite ??= require('better-sqlite3') as typeof BetterSqlite3;
  let db: SqliteDatabase;
  try {
    db = new sqlite(path, { readonly, fileMustExist: readonly });
  } catch (cause) {
    throw new MoatError('DB_INVALID', `${path}: cannot open the vulnerability database`, {
      cause,
    });
  }
  return db;
}

/** The text of an SQLite error, for messages. */
export function sqliteReason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
