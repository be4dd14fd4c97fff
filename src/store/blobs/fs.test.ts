import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { blobContract } from '../contract/blob-contract.js';
import { openFsBlobStore } from './fs.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-blobs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let lastRoot = '';
blobContract(
  'filesystem',
  async () => {
    lastRoot = join(dir, randomUUID(), 'blobs');
    return openFsBlobStore(lastRoot);
  },
  { openPeer: () => openFsBlobStore(lastRoot) },
);

/** Every file under `root`, relative to it. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

describe('filesystem blob store', () => {
  it('lays blobs out by algorithm and hex prefix, uploads under _uploads', async () => {
    const root = join(dir, randomUUID());
    const store = await openFsBlobStore(root);
    const id = randomUUID();
    await store.createUpload(id);
    expect(await filesUnder(root)).toEqual([`_uploads/${id}`]);
    await store.appendUpload(id, 0, Readable.from([Buffer.from('hello')]), 100);
    const digest = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
    await store.commitUpload(id, digest);
    expect(await filesUnder(root)).toEqual([`sha256/2c/${digest.slice(7)}`]);
  });

  it('writes nothing outside its root, whatever the ids and digests', async () => {
    const parent = join(dir, randomUUID());
    const store = await openFsBlobStore(join(parent, 'blobs'));
    for (const id of ['../outside', '../../outside', '_uploads', 'a/../../b']) {
      await expect(store.createUpload(id)).rejects.toMatchObject({ code: 'STORE_UPLOAD_UNKNOWN' });
      await expect(
        store.appendUpload(id, 0, Readable.from([Buffer.from('x')]), 10),
      ).rejects.toMatchObject({ code: 'STORE_UPLOAD_UNKNOWN' });
    }
    const id = randomUUID();
    await store.createUpload(id);
    await store.appendUpload(id, 0, Readable.from([Buffer.from('x')]), 10);
    await expect(store.commitUpload(id, 'sha256:../../../outside')).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
    });
    expect(await readdir(parent)).toEqual(['blobs']);
  });

  it('leaves no temporary file behind after failed bodies and aborted uploads', async () => {
    const root = join(dir, randomUUID());
    const store = await openFsBlobStore(root);
    const id = randomUUID();
    await store.createUpload(id);
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(100_000, 1);
        await tick();
        throw new Error('reset by peer');
      })(),
    );
    await expect(store.appendUpload(id, 0, failing, 1 << 20)).rejects.toThrow('reset by peer');
    expect(await filesUnder(root)).toEqual([`_uploads/${id}`]);
    await store.abortUpload(id);
    expect(await filesUnder(root)).toEqual([]);
  });
});

/** A 1 MiB tmpfs at `at` (with at most `inodes` files), or false when this process may not mount. */
function mountTinyTmpfs(at: string, inodes = 1000): boolean {
  try {
    const options = `size=1m,nr_inodes=${inodes}`;
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('a full disk', () => {
  it('is STORE_FULL, and the failed chunk is rolled back so the upload goes on', async (context) => {
    const mountPoint = join(dir, `full-${randomUUID()}`);
    await mkdir(mountPoint);
    if (!mountTinyTmpfs(mountPoint)) {
      context.skip('mounting a tmpfs needs root');
      return;
    }
    try {
      const store = await openFsBlobStore(join(mountPoint, 'blobs'));
      const id = randomUUID();
      await store.createUpload(id);
      expect(await store.appendUpload(id, 0, Readable.from([Buffer.alloc(1000, 7)]), 1 << 30)).toBe(
        1000,
      );
      const tooMuch = Readable.from(
        (function* () {
          for (let i = 0; i < 40; i++) yield Buffer.alloc(64 * 1024, i);
        })(),
      );
      await expect(store.appendUpload(id, 1000, tooMuch, 1 << 30)).rejects.toMatchObject({
        code: 'STORE_FULL',
      });
      expect(await store.uploadSize(id)).toBe(1000);
      expect(await store.appendUpload(id, 1000, Readable.from([Buffer.alloc(10, 8)]), 100)).toBe(
        1010,
      );
      expect(await filesUnder(join(mountPoint, 'blobs'))).toEqual([`_uploads/${id}`]);
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
});

describe('a file system out of inodes', () => {
  it('is STORE_FULL for new uploads and for a commit, which keeps its data for a retry', async (context) => {
    const mountPoint = join(dir, `inodes-${randomUUID()}`);
    await mkdir(mountPoint);
    if (!mountTinyTmpfs(mountPoint, 8)) {
      context.skip('mounting a tmpfs needs root');
      return;
    }
    try {
      const root = join(mountPoint, 'blobs');
      const store = await openFsBlobStore(root);
      const ids: string[] = [];
      let refused: unknown;
      for (let i = 0; i < 10 && refused === undefined; i++) {
        const id = randomUUID();
        await store.createUpload(id).then(
          () => ids.push(id),
          (error: unknown) => (refused = error),
        );
      }
      expect(refused).toMatchObject({ code: 'STORE_FULL' });
      const [id] = ids as [string];
      await store.appendUpload(id, 0, Readable.from([Buffer.from('hello')]), 100);
      const digest = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
      await expect(store.commitUpload(id, digest)).rejects.toMatchObject({ code: 'STORE_FULL' });
      expect(await store.stat(digest)).toBeUndefined();
      expect(await store.uploadSize(id)).toBe(5);
      for (const other of ids.slice(1)) await store.abortUpload(other);
      expect(await store.commitUpload(id, digest)).toEqual({ digest, size: 5 });
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
});
