import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startS3rver, type TestS3 } from './blobs/__fixtures__/s3rver.js';
import { createTestDatabase, type TestDatabase } from './metadata/test-database.js';
import { openStores, type OpenStores } from './open.js';

/** Pushes `content` the way the registry does: begin the record, commit the bytes, put it. */
async function pushBlob(stores: OpenStores, repository: string, content: Buffer): Promise<string> {
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  expect(await stores.meta.beginBlob(digest, 60_000)).toBe('ok');
  const id = randomUUID();
  await stores.blobs.createUpload(id);
  await stores.blobs.appendUpload(id, 0, Readable.from([content]), content.length);
  const info = await stores.blobs.commitUpload(id, digest);
  await stores.meta.putBlob(repository, info);
  return digest;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-stores-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openStores on the embedded default', () => {
  it('keeps moat.db and blobs/ in the data directory, and serves a pushed blob', async () => {
    const data = join(dir, randomUUID());
    const stores = await openStores({
      metadata: { kind: 'sqlite', path: join(data, 'moat.db') },
      blobs: { kind: 'fs', root: join(data, 'blobs') },
    });
    try {
      const digest = await pushBlob(stores, 'team/app', Buffer.from('layer'));
      expect(await stores.meta.getBlob('team/app', digest)).toEqual({ digest, size: 5 });
      expect(await stores.blobs.stat(digest)).toEqual({ digest, size: 5 });
    } finally {
      await stores.close();
    }
    expect((await readdir(data)).filter((name) => !name.startsWith('moat.db-'))).toEqual([
      'blobs',
      'moat.db',
    ]);
  });

  it('fails with STORE_UNAVAILABLE when the blob store cannot open', async () => {
    const data = join(dir, randomUUID());
    await expect(
      openStores({
        metadata: { kind: 'sqlite', path: join(data, 'moat.db') },
        blobs: { kind: 's3', ...unreachableS3 },
      }),
    ).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});

const unreachableS3 = {
  endpoint: 'http://127.0.0.1:1',
  bucket: 'none',
  region: 'us-east-1',
  forcePathStyle: true,
  prefix: '',
  partSize: 5 * 1024 * 1024,
};

describe('openStores on PostgreSQL and S3', () => {
  let s3: TestS3;
  let database: TestDatabase;
  beforeAll(async () => {
    s3 = await startS3rver();
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await s3.stop();
    await database.drop();
  });

  it('lets two nodes see each other’s blobs', async () => {
    const config = {
      metadata: { kind: 'postgres', url: database.url },
      blobs: s3.config('moat/'),
    } as const;
    const [first, second] = await Promise.all([openStores(config), openStores(config)]);
    try {
      const digest = await pushBlob(first, 'team/app', Buffer.from('shared layer'));
      expect(await second.meta.getBlob('team/app', digest)).toEqual({ digest, size: 12 });
      const chunks: Buffer[] = [];
      for await (const chunk of await second.blobs.open(digest)) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('shared layer');
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
