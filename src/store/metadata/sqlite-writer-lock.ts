/**
 * One writer at a time per SQLite file inside this process. better-sqlite3 is synchronous: when
 * one connection holds the write lock across an `await` (a transaction), a second connection of
 * the same process that asks for it would block the whole thread in its busy handler, and the
 * first could never finish. Writers of one file therefore queue here first; between processes,
 * SQLite's own lock (with `busy_timeout`) orders them.
 */
const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` once every earlier writer of `file` in this process has finished.
 * @example await withSqliteWriter('/data/moat.db', () => insertRow());
 */
export async function withSqliteWriter<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  const run = previous.then(fn);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(file, settled);
  try {
    return await run;
  } finally {
    if (queues.get(file) === settled) queues.delete(file);
  }
}
