/**
 * Reads header blobs out of rpm's SQLite database (`rpmdb.sqlite`, rpm ≥ 4.16): table
 * `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`, opened read-only.
 */
import type BetterSqlite3 from 'better-sqlite3';

import { InvalidInputError } from '../../../errors.js';
import { loadSqlite } from '../../../util/sqlite.js';
import type { RpmBlob, WarnFn } from './blob.js';

/** SQLite's 16-byte file header. */
const sqliteMagic = Buffer.from('SQLite format 3\0', 'latin1');

/** True when the file starts with SQLite's header. */
export function isSqlite(head: Buffer): boolean {
  return head.length >= 16 && head.subarray(0, 16).equals(sqliteMagic);
}

/**
 * Yields every rpm header blob of `Packages`; rows whose blob is not a BLOB are skipped with a
 * warning.
 * @throws InvalidInputError PACKAGE_DB_INVALID when the file cannot be opened or lacks the table.
 */
export function* readSqliteBlobs(path: string, warn: WarnFn): Generator<RpmBlob> {
  const open = loadSqlite();
  let db: BetterSqlite3.Database;
  try {
    db = open(path, { readonly: true, fileMustExist: true });
  } catch (cause) {
    throw new InvalidInputError('PACKAGE_DB_INVALID', `${path}: SQLite: cannot open`, { cause });
  }
  try {
    let rows: IterableIterator<unknown>;
    try {
      rows = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').iterate();
    } catch (cause) {
      throw new InvalidInputError('PACKAGE_DB_INVALID', `${path}: SQLite: no Packages table`, {
        cause,
      });
    }
    while (true) {
      let next: IteratorResult<unknown>;
      try {
        next = rows.next();
      } catch (cause) {
        // SQLite reports a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB) only while stepping.
        throw new InvalidInputError('PACKAGE_DB_INVALID', `${path}: SQLite: unreadable`, {
          cause,
        });
      }
      if (next.done) break;
      const { hnum, blob } = next.value as { hnum: unknown; blob: unknown };
      const id = `hnum ${String(hnum)}`;
      if (Buffer.isBuffer(blob)) yield { id, blob };
      else warn(`${path}: ${id} skipped: blob is not a BLOB`);
    }
  } finally {
    db.close();
  }
}
