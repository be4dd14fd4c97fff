import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';

import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { blobContract } from '../contract/blob-contract.js';
import { openBlobStore } from './open.js';
import { startS3rver, type TestS3 } from './__fixtures__/s3rver.js';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3.stop();
});

const config = (prefix: string) => s3.config(prefix);

let lastPrefix = '';
blobContract(
  'S3 (s3rver)',
  () => {
    lastPrefix = `contract-${randomUUID()}/`;
    return openBlobStore(config(lastPrefix));
  },
  {
    openPeer: () => openBlobStore(config(lastPrefix)),
    // In-flight parts (two of 5 MiB, plus lib-storage's copies) and s3rver, which runs in this
    // process, take some 64 MiB whatever the size: stream a blob large enough to tell.
    streamedBytes: 256 * 1024 * 1024,
  },
);

/** Every key in the bucket under `prefix`. */
async function keysUnder(prefix: string): Promise<string[]> {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((object) => (object.Key ?? '').slice(prefix.length)).sort();
  } finally {
    client.destroy();
  }
}

describe('S3 blob store', () => {
  it('keeps blobs under blobs/ and each append as one chunk object under uploads/', async () => {
    const prefix = `layout-${randomUUID()}/`;
    const store = await openBlobStore(config(prefix));
    const id = randomUUID();
    await store.createUpload(id);
    await store.appendUpload(id, 0, Readable.from([Buffer.from('hel')]), 100);
    await store.appendUpload(id, 3, Readable.from([Buffer.from('lo')]), 100);
    expect(await keysUnder(prefix)).toEqual([
      `uploads/${id}/0000000000000000`,
      `uploads/${id}/0000000000000003`,
      `uploads/${id}/session`,
    ]);
    const hex = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
    await store.commitUpload(id, `sha256:${hex}`);
    expect(await keysUnder(prefix)).toEqual([`blobs/sha256/${hex}`]);
    await store.close();
  });

  it("makes the SDK warn of nothing through an upload (stderr is the operator's)", async () => {
    const warn = vi.spyOn(console, 'warn');
    try {
      const store = await openBlobStore(config(`quiet-${randomUUID()}/`));
      const id = randomUUID();
      await store.createUpload(id);
      await store.appendUpload(id, 0, Readable.from([Buffer.from('hello')]), 100);
      await store.commitUpload(
        id,
        'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
      );
      await store.close();
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('reads a prefix without a trailing slash as a folder', async () => {
    const folder = `bare-${randomUUID()}`;
    const store = await openBlobStore(config(folder));
    const id = randomUUID();
    await store.createUpload(id);
    expect(await keysUnder(`${folder}/`)).toEqual([`uploads/${id}/session`]);
    await store.close();
  });

  it('leaves no object at the final key when a multipart commit does not match', async () => {
    const prefix = `mismatch-${randomUUID()}/`;
    const store = await openBlobStore(config(prefix));
    const id = randomUUID();
    await store.createUpload(id);
    // Three parts' worth, so the commit goes through a multipart upload.
    const body = Readable.from(
      (async function* () {
        for (let i = 0; i < 240; i++) {
          yield Buffer.alloc(64 * 1024, i);
          await tick();
        }
      })(),
    );
    await store.appendUpload(id, 0, body, 1 << 30);
    const claimed = `sha256:${'0'.repeat(64)}`;
    await expect(store.commitUpload(id, claimed)).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
    });
    expect(await keysUnder(prefix)).toEqual([]);
    await store.close();
  });

  it('leaves no chunk object when a multipart append fails midway', async () => {
    const prefix = `failing-${randomUUID()}/`;
    const store = await openBlobStore(config(prefix));
    const id = randomUUID();
    await store.createUpload(id);
    const body = Readable.from(
      (async function* () {
        for (let i = 0; i < 200; i++) {
          yield Buffer.alloc(64 * 1024, i);
          await tick();
        }
        throw new Error('client went away');
      })(),
    );
    await expect(store.appendUpload(id, 0, body, 1 << 30)).rejects.toThrow('client went away');
    expect(await keysUnder(prefix)).toEqual([`uploads/${id}/session`]);
    await store.close();
  });

  it('is STORE_UNAVAILABLE when the bucket does not exist', async () => {
    await expect(
      openBlobStore({ ...config('x/'), bucket: 'no-such-bucket' }),
    ).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('is STORE_UNAVAILABLE when nothing answers at the endpoint', async () => {
    await expect(
      openBlobStore({ ...config('x/'), endpoint: 'http://127.0.0.1:1' }),
    ).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
