/**
 * Opens the vulnerability database's SQLite files with typed errors (better-sqlite3 itself is
 * loaded on first use, see util/sqlite.ts).
 */
import { existsSync } from 'node:fs';

import type BetterSqlite3 from 'better-sqlite3';

import { MoatError } from '../errors.js';
import { loadSqlite } from '../util/sqlite.js';

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
  const open = loadSqlite();
  let db: SqliteDatabase;
  try {
    db = open(path, { readonly, fileMustExist: readonly });
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
