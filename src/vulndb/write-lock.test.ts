/**
 * One writer at a time: concurrent imports into one database all land, a writer waits for a
 * live holder of the lock in another process, and a holder that died leaves no stale lock.
 * (test/e2e/db-concurrency.test.ts runs whole `moat db import` processes in parallel.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { osvRecord, tempDir } from './__fixtures__/osv.js';
import { openVulnDb } from './database.js';
import { importOsv } from './import.js';
import { withWriteLock, writeLockPathOf } from './write-lock.js';

let dir: string;
let cleanup: () => Promise<void>;
let dbPath: string;
let holder: ChildProcess | undefined;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  dbPath = join(dir, 'db', 'moat-vuln.db');
});
afterEach(async () => {
  if (holder && holder.exitCode === null && holder.signalCode === null) {
    holder.kill('SIGKILL');
    await once(holder, 'exit');
  }
  holder = undefined;
  await cleanup();
});

async function recordsFile(name: string, ids: string[]): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify(ids.map((id) => osvRecord(id, 'npm', id))));
  return path;
}

function storedIds(): string[] {
  const db = openVulnDb(dbPath);
  try {
    const rows = db.sqlite.prepare('SELECT id FROM records ORDER BY id').all() as { id: string }[];
    return rows.map((row) => row.id);
  } finally {
    db.close();
  }
}

/**
 * Starts another Node process that takes the lock the way Moat does (an exclusive SQLite
 * transaction on the lock file) and holds it until it is told to stop or killed.
 */
async function holdLockInAnotherProcess(): Promise<ChildProcess> {
  const script = `
    const Database = require('better-sqlite3');
    const lock = new Database(process.argv[1]);
    lock.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    process.stdin.on('data', () => { lock.exec('ROLLBACK'); lock.close(); process.exit(0); });
  `;
  await withWriteLock(dbPath, () => Promise.resolve()); // creates the directory and lock file
  const child = spawn(process.execPath, ['-e', script, writeLockPathOf(dbPath)], {
    cwd: process.cwd(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  expect(chunk.toString()).toBe('locked\n');
  return child;
}

describe('the write lock', () => {
  it('lets concurrent imports into one database all land', async () => {
    const sets = ['a', 'b', 'c', 'd'].map((prefix) =>
      Array.from({ length: 50 }, (_, i) => `${prefix.toUpperCase()}-${i}`),
    );
    const files = await Promise.all(sets.map((ids, i) => recordsFile(`set-${i}`, ids)));
    await Promise.all(files.map((file) => importOsv(dbPath, [file])));
    expect(storedIds()).toEqual(sets.flat().sort());
  });

  it('makes an import wait for a writer in another process, then land', async () => {
    await importOsv(dbPath, [await recordsFile('first', ['FIRST-1'])]);
    holder = await holdLockInAnotherProcess();
    const child = holder;
    let waited = false;
    const imported = importOsv(dbPath, [await recordsFile('second', ['SECOND-1'])], {
      lock: {
        onWait: () => {
          waited = true;
          child.stdin?.write('release\n');
        },
      },
    });
    await imported;
    expect(waited).toBe(true);
    expect(storedIds()).toEqual(['FIRST-1', 'SECOND-1']);
  });

  it('is free again when the process holding it dies', async () => {
    holder = await holdLockInAnotherProcess();
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    await importOsv(dbPath, [await recordsFile('after', ['AFTER-1'])], { lock: { timeoutMs: 0 } });
    expect(storedIds()).toEqual(['AFTER-1']);
  });

  it('gives up with DB_LOCKED naming the lock file when the wait runs out', async () => {
    holder = await holdLockInAnotherProcess();
    await expect(
      importOsv(dbPath, [await recordsFile('late', ['LATE-1'])], { lock: { timeoutMs: 0 } }),
    ).rejects.toMatchObject({
      code: 'DB_LOCKED',
      message: expect.stringContaining(writeLockPathOf(dbPath)) as unknown,
    });
  });
});
