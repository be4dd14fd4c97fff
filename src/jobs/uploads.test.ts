import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  backends,
  openTestRegistry,
  tick,
  type TestRegistry,
} from './__fixtures__/test-registry.js';
import { expireUploads } from './uploads.js';

const hour = 3_600_000;

describe.each(backends)('upload expiry on %s', (backend) => {
  let registry: TestRegistry;
  beforeEach(async () => {
    registry = await openTestRegistry(backend);
  });
  afterEach(async () => {
    await registry.close();
  });

  /** An upload session with some partial data, as the registry starts one. */
  async function startUpload(withSession = true, at = new Date()): Promise<string> {
    const id = randomUUID();
    if (withSession) {
      await registry.meta.createUpload({
        id,
        repository: 'team/app',
        createdAt: at,
        updatedAt: at,
      });
    }
    await registry.blobs.createUpload(id);
    await registry.blobs.appendUpload(id, 0, Readable.from([Buffer.from('partial')]), 1024);
    return id;
  }

  async function partialIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const id of registry.blobs.listUploads()) ids.push(id);
    return ids.sort();
  }

  it('removes sessions unused for the TTL, with their partial data', async () => {
    const id = await startUpload();
    await tick();
    expect(await expireUploads(registry, 0)).toBe(1);
    expect(await registry.meta.getUpload(id)).toBeUndefined();
    expect(await registry.blobs.uploadSize(id)).toBeUndefined();
  });

  it('keeps sessions used within the TTL', async () => {
    const id = await startUpload();
    expect(await expireUploads(registry, hour)).toBe(0);
    expect(await registry.meta.getUpload(id)).toBeDefined();
    expect(await registry.blobs.uploadSize(id)).toBe(7);
  });

  it('keeps a session touched after it expired but before the sweep reached it', async () => {
    const id = await startUpload();
    await tick();
    const cutoffPassed = Date.now();
    await registry.meta.touchUpload(id);
    // A TTL that the session, touched just now, is within — but older than its creation.
    const ttl = Date.now() - cutoffPassed + hour;
    expect(await expireUploads(registry, ttl)).toBe(0);
    expect(await registry.blobs.uploadSize(id)).toBe(7);
  });

  it('removes partial data without a session once it has been seen sessionless for a TTL', async () => {
    const orphan = await startUpload(false);
    // A session that stays fresh whatever the TTL.
    const kept = await startUpload(true, new Date(Date.now() + hour));
    // First sweep: noted, not removed (the blob store cannot tell its age).
    expect(await expireUploads(registry, hour)).toBe(0);
    expect(await partialIds()).toEqual([kept, orphan].sort());
    // Seen again, still within the TTL: kept.
    expect(await expireUploads(registry, hour)).toBe(0);
    await tick();
    expect(await expireUploads(registry, 1)).toBe(1);
    expect(await partialIds()).toEqual([kept]);
  });

  it('keeps partial data whose session was created after the data (between two sweeps)', async () => {
    const id = await startUpload(false);
    expect(await expireUploads(registry, 0)).toBe(0);
    const at = new Date(Date.now() + hour);
    await registry.meta.createUpload({ id, repository: 'team/app', createdAt: at, updatedAt: at });
    await tick();
    expect(await expireUploads(registry, 0)).toBe(0);
    expect(await registry.blobs.uploadSize(id)).toBe(7);
  });

  it('is harmless on sessions whose data is already gone', async () => {
    const id = await startUpload();
    await registry.blobs.abortUpload(id);
    await tick();
    expect(await expireUploads(registry, 0)).toBe(1);
    expect(await registry.meta.getUpload(id)).toBeUndefined();
  });
});
