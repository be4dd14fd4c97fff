import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { metadataContract } from '../contract/metadata-contract.js';
import { openMetadataStore } from './open.js';

const dir = mkdtempSync(join(tmpdir(), 'moat-meta-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
function freshPath(): string {
  count += 1;
  return join(dir, `db-${count}`, 'moat.db');
}

metadataContract('sqlite', () => openMetadataStore({ kind: 'sqlite', path: freshPath() }));

describe('SQLite metadata store', () => {
  it('shares one file between two stores opened at once', async () => {
    const path = freshPath();
    const [a, b] = await Promise.all([
      openMetadataStore({ kind: 'sqlite', path }),
      openMetadataStore({ kind: 'sqlite', path }),
    ]);
    try {
      const values = await Promise.all([
        a.putSettingIfAbsent('k', 'a'),
        b.putSettingIfAbsent('k', 'b'),
      ]);
      expect(values[0]).toBe(values[1]);
      await a.createUpload({
        id: 'u',
        repository: 'r',
        createdAt: new Date(),
        updatedAt: new Date(),
      });
      expect(await b.getUpload('u')).toBeDefined();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('waits for another process that holds the write lock, then migrates', async () => {
    const path = freshPath();
    mkdirSync(dirname(path), { recursive: true });
    // Another process (plain better-sqlite3) takes the write lock and keeps it for a while.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]);
         db.pragma('journal_mode = WAL');
         db.exec('begin immediate; create table other (v)');
         console.log('locked');
         setTimeout(() => { db.exec('commit'); db.close(); }, 300);`,
        path,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = once(holder, 'exit');
    await once(holder.stdout, 'data');
    const meta = await openMetadataStore({ kind: 'sqlite', path });
    try {
      expect(await meta.putSettingIfAbsent('k', 'v')).toBe('v');
    } finally {
      await meta.close();
      await exited;
    }
  });

  it('answers STORE_UNAVAILABLE when the file cannot be opened', async () => {
    // A directory where the database file should be.
    await expect(openMetadataStore({ kind: 'sqlite', path: dir })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
  });
});
