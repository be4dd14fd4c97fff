/**
 * Reads header blobs out of rpm's SQLite database (`rpmdb.sqlite`, rpm ≥ 4.16): table
 * `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`, opened read-only. Only a plain stored table is
 * read: a view, a virtual table or a computed column would run code the file defines (a
 * recursive query never ends), and a stored table's rows are bounded by the file.
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
      const refusal = packagesTableRefusal(db);
      if (refusal) throw new InvalidInputError('PACKAGE_DB_INVALID', `${path}: SQLite: ${refusal}`);
      rows = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').iterate();
    } catch (cause) {
      if (cause instanceof InvalidInputError) throw cause;
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

/**
 * Why `Packages` cannot be read safely, or undefined when it is a stored table whose `hnum` and
 * `blob` are stored columns. Only the schema is read here; none of the file's SQL is run.
 */
function packagesTableRefusal(db: BetterSqlite3.Database): string | undefined {
  const entry = db
    .prepare("SELECT type, sql FROM sqlite_master WHERE name = 'Packages' COLLATE NOCASE")
    .get() as { type: unknown; sql: unknown } | undefined;
  if (!entry) return 'no Packages table';
  if (entry.type !== 'table') return `Packages is a ${String(entry.type)}, not a table`;
  if (typeof entry.sql === 'string' && /^\s*CREATE\s+VIRTUAL\b/i.test(entry.sql)) {
    return 'Packages is a virtual table';
  }
  // table_xinfo's `hidden`: 0 a plain column, 3 a stored generated one; 2 is computed per read.
  const columns = db.prepare('PRAGMA table_xinfo(Packages)').all() as {
    name: unknown;
    hidden: unknown;
  }[];
  for (const wanted of ['hnum', 'blob']) {
    const column = columns.find((c) => String(c.name).toLowerCase() === wanted);
    if (!column) return `Packages has no ${wanted} column`;
    if (column.hidden !== 0 && column.hidden !== 3) {
      return `Packages.${wanted} is computed, not stored`;
    }
  }
  return undefined;
}
