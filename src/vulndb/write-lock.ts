/**
 * One writer at a time per database file. Writers replace the whole file (a copy, then a rename:
 * atomic.ts), so two writers working at once would each start from the same old file and the
 * last rename would silently drop the other's records. Every writer therefore holds an exclusive
 * SQLite lock on a side file (`<db>.lock`) from before it copies the database until after its
 * rename. SQLite's locks are the operating system's byte-range locks: released by the kernel
 * when the holder exits or dies, so a crashed import never leaves a stale lock behind, and they
 * also serialise two writers in one process. Readers (scans) never take this lock: they keep the
 * file they opened while a rename replaces it.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { MoatError } from '../errors.js';
import { openSqlite, sqliteReason, type SqliteDatabase } from './sqlite.js';

/** Options of {@link withWriteLock}. */
export interface WriteLockOptions {
  /** How long to wait for another writer before giving up, in milliseconds. */
  timeoutMs?: number;
  /** Called once when the lock is held by another writer and this one starts waiting. */
  onWait?: (lockPath: string) => void;
}

/** How long a writer waits for another by default: a full osv.dev import takes minutes. */
export const DEFAULT_WRITE_LOCK_TIMEOUT_MS = 30 * 60 * 1000;

const FIRST_POLL_MS = 20;
const LONGEST_POLL_MS = 500;

/** The lock file of the database at `dbPath`. */
export function writeLockPathOf(dbPath: string): string {
  return `${dbPath}.lock`;
}

/**
 * Runs `work` while holding the database's write lock, waiting (without blocking the event loop)
 * for a writer that holds it.
 * @throws MoatError DB_LOCKED when the lock is still held after `timeoutMs`.
 */
export async function withWriteLock<T>(
  dbPath: string,
  work: () => Promise<T>,
  options: WriteLockOptions = {},
): Promise<T> {
  const lockPath = writeLockPathOf(dbPath);
  await mkdir(dirname(lockPath), { recursive: true });
  const lock = openSqlite(lockPath, false);
  try {
    await acquire(lock, lockPath, options);
    try {
      return await work();
    } finally {
      lock.exec('ROLLBACK');
    }
  } finally {
    lock.close();
  }
}

async function acquire(
  lock: SqliteDatabase,
  lockPath: string,
  options: WriteLockOptions,
): Promise<void> {
  // A busy timeout would block the whole process inside SQLite: poll instead.
  lock.pragma('busy_timeout = 0');
  const timeoutMs = options.timeoutMs ?? DEFAULT_WRITE_LOCK_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let pause = FIRST_POLL_MS;
  let waiting = false;
  for (;;) {
    try {
      lock.exec('BEGIN EXCLUSIVE');
      return;
    } catch (error) {
      if (!isBusy(error)) {
        throw new MoatError('DB_INVALID', `${lockPath}: cannot lock (${sqliteReason(error)})`, {
          cause: error,
        });
      }
    }
    if (Date.now() >= deadline) {
      throw new MoatError(
        'DB_LOCKED',
        `${lockPath}: another import or update has held the database for over ` +
          `${Math.round(timeoutMs / 1000)} s; try again when it has finished`,
      );
    }
    if (!waiting) {
      waiting = true;
      options.onWait?.(lockPath);
    }
    await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
    pause = Math.min(pause * 2, LONGEST_POLL_MS);
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}
