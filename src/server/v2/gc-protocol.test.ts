/**
 * Uploads and garbage collection (the protocol in `store/types.ts`): a commit of a blob a
 * collector holds waits until the collector is done, then stores the blob whole; a mount of a
 * blob whose bytes a collector removed falls back to an upload session.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import {
  pushBlob,
  sha256,
  startTestRegistry,
  type TestRegistry,
} from '../../../test/conformance/registry-harness.js';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(async () => {
  await registry.close();
});

const future = (): Date => new Date(Date.now() + 60 * 60_000);

describe('uploads meet garbage collection', () => {
  test('a commit waits while a collector holds the blob, then stores it whole', async () => {
    const data = randomBytes(5000);
    const digest = sha256(data);
    expect((await pushBlob(registry, 'gc/first', { content: data, digest })).status).toBe(201);
    // A collector claims the (unreferenced) blob…
    expect(await registry.ctx.meta.claimBlobForDeletion(digest, future())).toBe(true);
    // …while a client pushes the same bytes again.
    const started = await registry.request('POST', '/v2/gc/second/blobs/uploads/');
    const pushing = registry.request('PUT', `${started.headers.get('location')}?digest=${digest}`, {
      body: data,
    });
    await sleep(100);
    await registry.ctx.blobs.delete(digest);
    await registry.ctx.meta.finishBlobDeletion(digest);
    const pushed = await pushing;
    expect(pushed.status).toBe(201);
    const fetched = await registry.request('GET', `/v2/gc/second/blobs/${digest}`);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(data)).toBe(true);
  });

  test('a mount of a blob whose bytes were collected is an upload session instead', async () => {
    const data = randomBytes(3000);
    const digest = sha256(data);
    expect((await pushBlob(registry, 'gc/source', { content: data, digest })).status).toBe(201);
    expect(await registry.ctx.meta.claimBlobForDeletion(digest, future())).toBe(true);
    await registry.ctx.blobs.delete(digest);
    await registry.ctx.meta.finishBlobDeletion(digest);
    const mounted = await registry.request(
      'POST',
      `/v2/gc/target/blobs/uploads/?mount=${digest}&from=gc/source`,
    );
    expect(mounted.status).toBe(202);
    expect((await registry.request('HEAD', `/v2/gc/target/blobs/${digest}`)).status).toBe(404);
  });
});
