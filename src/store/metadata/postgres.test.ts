import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { metadataContract } from '../contract/metadata-contract.js';
import type { MetadataStore } from '../types.js';
import { openMetadataStore } from './open.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

// Tests of one file run one after another: each starts from empty tables.
metadataContract('postgres', async () => {
  await database.truncate();
  return openMetadataStore({ kind: 'postgres', url: database.url });
});

describe('PostgreSQL metadata store', () => {
  it('runs migrations from several processes starting at once on an empty database', async () => {
    const fresh = await createTestDatabase();
    const stores: MetadataStore[] = [];
    try {
      const opened = await Promise.allSettled(
        Array.from({ length: 4 }, () => openMetadataStore({ kind: 'postgres', url: fresh.url })),
      );
      for (const result of opened) if (result.status === 'fulfilled') stores.push(result.value);
      expect(opened.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'fulfilled',
      ]);
      const values = await Promise.all(stores.map((s, i) => s.putSettingIfAbsent('key', `v${i}`)));
      expect(new Set(values).size).toBe(1);
    } finally {
      for (const store of stores) await store.close();
      await fresh.drop();
    }
  });

  it('fails a transaction whose connection is cut, without an uncaught error event', async () => {
    await database.truncate();
    const store = await openMetadataStore({ kind: 'postgres', url: database.url });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const failed = store.database.transaction(async (trx) => {
        await sql`select 1`.execute(trx);
        // The server ends this very connection while the transaction is open.
        await database.terminateConnections();
        await new Promise((resolve) => setTimeout(resolve, 200));
        await sql`select 1`.execute(trx);
      });
      await expect(failed).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      // The pool opens a fresh connection for the next statement.
      expect(await store.getSetting('absent')).toBeUndefined();
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await store.close();
    }
  });

  it("shows each instance the other's writes at once", async () => {
    await database.truncate();
    const a = await openMetadataStore({ kind: 'postgres', url: database.url });
    const b = await openMetadataStore({ kind: 'postgres', url: database.url });
    try {
      const blob = { digest: `sha256:${'ab'.repeat(32)}`, size: 2 ** 33 };
      expect(await a.beginBlob(blob.digest, 60_000)).toBe('ok');
      await a.putBlob('team/app', blob);
      expect(await b.getBlob('team/app', blob.digest)).toEqual(blob);
      expect(await b.listRepositories({})).toEqual(['team/app']);
      expect(await b.unlinkBlob('team/app', blob.digest)).toBe(true);
      expect(await a.getBlob('team/app', blob.digest)).toBeUndefined();
      expect(await b.claimBlobForDeletion(blob.digest, new Date(Date.now() + 60_000))).toBe(true);
      expect(await a.beginBlob(blob.digest, 60_000)).toBe('busy');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('survives the server ending its connections, and reconnects', async () => {
    await database.truncate();
    const meta = await openMetadataStore({ kind: 'postgres', url: database.url });
    try {
      expect(await meta.putSettingIfAbsent('k', 'v')).toBe('v');
      await database.terminateConnections();
      // The first call may meet a connection the server ended; it fails as STORE_UNAVAILABLE.
      const first = await meta.getSetting('k').catch((error: unknown) => error);
      if (first !== 'v') expect(first).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(await meta.getSetting('k')).toBe('v');
    } finally {
      await meta.close();
    }
  });

  it('answers STORE_UNAVAILABLE when the server cannot be reached', async () => {
    await expect(
      openMetadataStore({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/none' }),
    ).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('answers STORE_UNAVAILABLE when the database does not exist', async () => {
    const url = new URL(database.url);
    url.pathname = '/moat_t_does_not_exist';
    await expect(
      openMetadataStore({ kind: 'postgres', url: url.toString() }),
    ).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
  });
});
