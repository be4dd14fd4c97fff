import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  startTestRegistry,
  type TestRegistry,
} from '../../../test/conformance/registry-harness.js';
import {
  openDownstream,
  pushImage,
  pushIndex,
  pushScanImage,
  startHostileFront,
  type Downstream,
  type HostileFront,
} from './__fixtures__/upstream.js';

let upstream: TestRegistry;
let front: HostileFront;
let down: Downstream;

beforeAll(async () => {
  upstream = await startTestRegistry();
  front = await startHostileFront(upstream.url);
});
afterAll(async () => {
  await front.close();
  await upstream.close();
});

async function attach(target: Downstream, project = 'proxy'): Promise<void> {
  await target.projects.attach(project, {
    url: front.url,
    credentials: { username: 'admin', password: upstream.password },
  });
}

/** What the downstream holds of `repository`: tags, and whether each digest is linked there. */
async function holds(target: Downstream, repository: string, digests: string[]) {
  const tags = (await target.stores.meta.listTags(repository, {})) ?? [];
  const manifests = [];
  const blobs = [];
  for (const digest of digests) {
    if (await target.stores.meta.getManifest(repository, digest)) manifests.push(digest);
    if (await target.stores.meta.getBlob(repository, digest)) blobs.push(digest);
  }
  return { tags, manifests, blobs };
}

describe.each(['sqlite + fs', 'postgres + s3'] as const)('proxy pull-through on %s', (backend) => {
  beforeEach(async () => {
    front.mode = 'pass';
    front.requests.length = 0;
    down = await openDownstream({ backend });
    await attach(down);
  });
  afterEach(() => down.close());

  it('pulls an image by tag: manifest, tag and every blob stored byte for byte; scanned once', async () => {
    const image = await pushScanImage(upstream, 'library/app', '1');
    expect(await down.service.isProxied('proxy/library/app')).toBe(true);
    expect(await down.service.isProxied('other/library/app')).toBe(false);
    const { digest } = await down.service.pullThrough('proxy/library/app', '1');
    expect(digest).toBe(image.digest);
    const stored = await down.stores.meta.getManifest('proxy/library/app', digest);
    expect(stored?.content.equals(image.manifest)).toBe(true);
    expect(await down.stores.meta.resolveTag('proxy/library/app', '1')).toBe(digest);
    for (const blob of image.blobs) {
      expect(await down.stores.meta.getBlob('proxy/library/app', blob)).toBeDefined();
      const upstreamBytes = Buffer.from(
        await (await upstream.request('GET', `/v2/library/app/blobs/${blob}`)).arrayBuffer(),
      );
      const chunks: Buffer[] = [];
      for await (const chunk of await down.stores.blobs.open(blob)) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(upstreamBytes)).toBe(true);
    }
    expect(await down.scanned()).toEqual([`proxy/library/app@${digest}`]);
    const scan = await down.scans.waitFor('proxy/library/app', digest, 30_000);
    expect(scan).toMatchObject({ digest, repository: 'proxy/library/app', state: 'done' });
    expect(scan?.summary).toEqual({ CRITICAL: 1, HIGH: 1, MEDIUM: 1, LOW: 1, UNKNOWN: 0 });
  });

  it('serves a stored digest without asking upstream, and a stored tag when upstream is down', async () => {
    const image = await pushImage(upstream, 'library/cached', 'v1');
    await down.service.pullThrough('proxy/library/cached', 'v1');
    front.mode = 'down';
    front.requests.length = 0;
    expect(await down.service.pullThrough('proxy/library/cached', image.digest)).toEqual({
      digest: image.digest,
    });
    expect(front.requests).toEqual([]);
    expect(await down.service.pullThrough('proxy/library/cached', 'v1')).toEqual({
      digest: image.digest,
    });
    expect(front.count('HEAD', '/manifests/v1')).toBeGreaterThan(0);
    expect(await down.scanned()).toEqual([`proxy/library/cached@${image.digest}`]);
    expect(await down.scans.get(image.digest)).toMatchObject({
      digest: image.digest,
      repository: 'proxy/library/cached',
    });
  });

  it('re-resolves a tag upstream: a moved tag is pulled again and scanned', async () => {
    const first = await pushImage(upstream, 'library/moving', 'latest');
    expect((await down.service.pullThrough('proxy/library/moving', 'latest')).digest).toBe(
      first.digest,
    );
    // Unchanged upstream: a HEAD only, nothing fetched again.
    front.requests.length = 0;
    await down.service.pullThrough('proxy/library/moving', 'latest');
    expect(front.count('GET', '/manifests/')).toBe(0);
    expect(front.count('GET', '/blobs/')).toBe(0);
    const second = await pushImage(upstream, 'library/moving', 'latest');
    expect((await down.service.pullThrough('proxy/library/moving', 'latest')).digest).toBe(
      second.digest,
    );
    expect(await down.stores.meta.resolveTag('proxy/library/moving', 'latest')).toBe(second.digest);
    expect(await down.scanned()).toEqual(
      [`proxy/library/moving@${first.digest}`, `proxy/library/moving@${second.digest}`].sort(),
    );
    for (const { digest } of [first, second]) {
      expect(await down.scans.get(digest)).toMatchObject({
        digest,
        repository: 'proxy/library/moving',
      });
    }
  });

  it('pulls an index with every platform manifest and their blobs', async () => {
    const index = await pushIndex(upstream, 'library/multi', '2', ['amd64', 'arm64']);
    const { digest } = await down.service.pullThrough('proxy/library/multi', '2');
    expect(digest).toBe(index.digest);
    const held = await holds(down, 'proxy/library/multi', [
      index.digest,
      ...index.children.map((c) => c.digest),
      ...index.blobs,
    ]);
    expect(held.tags).toEqual(['2']);
    expect(held.manifests).toHaveLength(3);
    expect(held.blobs).toEqual(index.blobs);
  });

  it('fetches an image once for concurrent pulls', async () => {
    const image = await pushImage(upstream, 'library/busy', '1', { layers: 3, layerBytes: 65536 });
    front.requests.length = 0;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => down.service.pullThrough('proxy/library/busy', '1')),
    );
    expect(new Set(results.map((r) => r.digest))).toEqual(new Set([image.digest]));
    expect(front.count('GET', '/v2/library/busy/manifests/1')).toBe(1);
    for (const blob of image.blobs) expect(front.count('GET', `/blobs/${blob}`)).toBe(1);
    expect(await down.scanned()).toEqual([`proxy/library/busy@${image.digest}`]);
    expect(await down.scans.get(image.digest)).toMatchObject({
      digest: image.digest,
      repository: 'proxy/library/busy',
    });
  });

  it('fetches a blob asked for without its manifest, verified', async () => {
    const image = await pushImage(upstream, 'library/blobby', '1');
    const blob = image.blobs[1] ?? '';
    await down.service.pullBlob('proxy/library/blobby', blob);
    expect(await down.stores.meta.getBlob('proxy/library/blobby', blob)).toBeDefined();
    front.mode = 'lie-blob';
    const other = image.blobs[2] ?? '';
    await expect(down.service.pullBlob('proxy/library/blobby', other)).rejects.toMatchObject({
      code: 'UPSTREAM_INVALID',
    });
    expect(await down.stores.meta.getBlob('proxy/library/blobby', other)).toBeUndefined();
  });

  it('links a blob the store already holds instead of fetching it again', async () => {
    const image = await pushImage(upstream, 'library/shared', '1');
    await down.service.pullThrough('proxy/library/shared', '1');
    await upstream.request('PUT', `/v2/library/shared2/manifests/1`, {
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: image.manifest,
    });
    // The second repository upstream needs the blobs too: mount them there.
    for (const blob of image.blobs) {
      await upstream.request(
        'POST',
        `/v2/library/shared2/blobs/uploads/?mount=${blob}&from=library/shared`,
      );
    }
    await upstream.request('PUT', `/v2/library/shared2/manifests/1`, {
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: image.manifest,
    });
    front.requests.length = 0;
    await down.service.pullThrough('proxy/library/shared2', '1');
    expect(front.count('GET', '/blobs/')).toBe(0);
    for (const blob of image.blobs) {
      expect(await down.stores.meta.getBlob('proxy/library/shared2', blob)).toBeDefined();
    }
  });
});

describe('an upstream that is down, lies, or is not there', () => {
  beforeEach(async () => {
    front.mode = 'pass';
    down = await openDownstream();
    await attach(down);
  });
  afterEach(() => down.close());

  const cases = [
    ['down', 'UPSTREAM_UNAVAILABLE'],
    ['lie-manifest', 'UPSTREAM_INVALID'],
    ['lie-tag-digest', 'UPSTREAM_INVALID'],
    ['lie-blob', 'UPSTREAM_INVALID'],
    ['short-blob', 'UPSTREAM_INVALID'],
  ] as const;
  it.each(cases)('%s: the pull is refused with %s and nothing is stored', async (mode, code) => {
    const image = await pushImage(upstream, `library/${mode}`, '1');
    front.mode = mode;
    const error = await down.service
      .pullThrough(`proxy/library/${mode}`, '1')
      .catch((e: unknown) => e as Error & { code: string });
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toContain(front.url);
    expect((error as Error).message).not.toContain(upstream.password);
    const held = await holds(down, `proxy/library/${mode}`, [image.digest, ...image.blobs]);
    expect(held).toEqual({ tags: [], manifests: [], blobs: [] });
    expect(await down.scans.get(image.digest)).toBeUndefined();
    expect(await down.scanned()).toEqual([]);
    if (mode === 'lie-tag-digest') {
      // By digest the bytes are checked against the digest asked for: the lie does not matter.
      expect(await down.service.pullThrough(`proxy/library/${mode}`, image.digest)).toEqual({
        digest: image.digest,
      });
    } else {
      await expect(
        down.service.pullThrough(`proxy/library/${mode}`, image.digest),
      ).rejects.toMatchObject({ code });
    }
  });

  it('a tag upstream does not have is unknown, not stored', async () => {
    await expect(down.service.pullThrough('proxy/library/none', 'nope')).rejects.toMatchObject({
      name: 'UpstreamNotFound',
      kind: 'manifest',
    });
  });

  it('wrong upstream credentials: UPSTREAM_UNAVAILABLE, the password in no message', async () => {
    const other = await openDownstream();
    try {
      await other.projects.attach('proxy', {
        url: front.url,
        credentials: { username: 'admin', password: 'not-the-password-3141' },
      });
      await pushImage(upstream, 'library/locked', '1');
      const error = (await other.service
        .pullThrough('proxy/library/locked', '1')
        .catch((e: unknown) => e)) as Error & { code: string };
      expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(error.message).toMatch(/refused .*UNAUTHORIZED/);
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(
        'not-the-password-3141',
      );
    } finally {
      await other.close();
    }
  });
});

describe('limits on what a pull-through brings in', () => {
  beforeEach(() => {
    front.mode = 'pass';
  });
  afterEach(() => down.close());

  it('refuses an image with more blobs than allowed', async () => {
    down = await openDownstream({ limits: { maxBlobs: 2 } });
    await attach(down);
    const image = await pushImage(upstream, 'library/many', '1', { layers: 3 });
    await expect(down.service.pullThrough('proxy/library/many', '1')).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: expect.stringContaining('more than 2 blobs') as string,
    });
    expect(await holds(down, 'proxy/library/many', [image.digest, ...image.blobs])).toEqual({
      tags: [],
      manifests: [],
      blobs: [],
    });
    expect(await down.scans.get(image.digest)).toBeUndefined();
    expect(await down.scanned()).toEqual([]);
  });

  it('refuses an image larger than the byte budget', async () => {
    down = await openDownstream({ limits: { maxImageBytes: 10_000 } });
    await attach(down);
    const image = await pushImage(upstream, 'library/big', '1', { layers: 3, layerBytes: 4096 });
    await expect(down.service.pullThrough('proxy/library/big', '1')).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
    expect(await down.scans.get(image.digest)).toBeUndefined();
    expect(await down.scanned()).toEqual([]);
  });

  it('undoes a half-copied index: the platform manifest stored first is removed again', async () => {
    // Each platform image is ~4.3 KB: the first fits the budget, the second does not.
    down = await openDownstream({ limits: { maxImageBytes: 6000 } });
    await attach(down);
    const index = await pushIndex(upstream, 'library/half', '1', ['amd64', 'arm64']);
    await expect(down.service.pullThrough('proxy/library/half', '1')).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
    expect(
      await holds(down, 'proxy/library/half', [
        index.digest,
        ...index.children.map((c) => c.digest),
        ...index.blobs,
      ]),
    ).toEqual({ tags: [], manifests: [], blobs: [] });
    for (const digest of [index.digest, ...index.children.map((c) => c.digest)]) {
      expect(await down.scans.get(digest)).toBeUndefined();
    }
    expect(await down.scanned()).toEqual([]);
  });

  it('refuses an index listing more platform manifests than allowed', async () => {
    down = await openDownstream({ limits: { maxIndexManifests: 1 } });
    await attach(down);
    const index = await pushIndex(upstream, 'library/wide', '1', ['amd64', 'arm64']);
    await expect(down.service.pullThrough('proxy/library/wide', '1')).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
    expect(await down.scans.get(index.digest)).toBeUndefined();
    expect(await down.scanned()).toEqual([]);
  });

  it('refuses a manifest over the manifest size limit as UPSTREAM_INVALID', async () => {
    down = await openDownstream({ maxManifestBytes: 200 });
    await attach(down);
    const image = await pushImage(upstream, 'library/fat', '1', { layers: 4 });
    await expect(down.service.pullThrough('proxy/library/fat', '1')).rejects.toMatchObject({
      code: 'UPSTREAM_INVALID',
    });
    expect(await down.scans.get(image.digest)).toBeUndefined();
    expect(await down.scanned()).toEqual([]);
  });
});
