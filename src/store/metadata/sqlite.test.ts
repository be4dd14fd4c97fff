import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

  it('answers STORE_UNAVAILABLE when the file cannot be opened', async () => {
    // A directory where the database file should be.
    await expect(openMetadataStore({ kind: 'sqlite', path: dir })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
  });
});
