import { afterEach, describe, expect, test } from 'vitest';

import { startMemoryRegistry, type MemoryRegistry } from './__fixtures__/memory-registry.js';
import { RegistryClient } from './client.js';
import { findManifest, listReferrers, nextLink } from './referrers.js';

const digest = `sha256:${'a'.repeat(64)}`;
const limits = { maxPageBytes: 64 * 1024, maxPages: 3, maxEntries: 5 };
const ociIndex = 'application/vnd.oci.image.index.v1+json';

let registry: MemoryRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

const descriptor = (n: number) => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${String(n).padStart(64, '0')}`,
  size: n,
  artifactType: 'application/example',
});

/** A registry whose referrers listing has `pages` pages of `perPage` entries. */
async function paged(
  pages: number,
  perPage: number,
  link = (p: number) => `</v2/app/referrers/${digest}?p=${p}>; rel="next"`,
) {
  return startMemoryRegistry({
    intercept: (request, response) => {
      if (!request.url?.startsWith('/v2/app/referrers/')) return false;
      const page = Number(new URL(request.url, 'http://x').searchParams.get('p') ?? '0');
      const manifests = Array.from({ length: perPage }, (_, i) =>
        descriptor(page * perPage + i + 1),
      );
      response.writeHead(200, {
        'content-type': ociIndex,
        ...(page + 1 < pages ? { link: link(page + 1) } : {}),
      });
      response.end(JSON.stringify({ schemaVersion: 2, mediaType: ociIndex, manifests }));
      return true;
    },
  });
}

describe('listReferrers', () => {
  test('follows Link pages and returns every descriptor', async () => {
    registry = await paged(2, 2);
    const client = new RegistryClient({ host: registry.host });
    const found = await listReferrers(client, 'app', digest, limits);
    expect(found?.map((d) => d.size)).toEqual([1, 2, 3, 4]);
  });

  test('returns undefined when the registry has no referrers API (404)', async () => {
    registry = await startMemoryRegistry({ referrers: false });
    const client = new RegistryClient({ host: registry.host });
    expect(await listReferrers(client, 'app', digest, limits)).toBeUndefined();
  });

  test('passes the artifactType filter', async () => {
    registry = await startMemoryRegistry({ referrers: true });
    const client = new RegistryClient({ host: registry.host });
    expect(
      await listReferrers(client, 'app', digest, limits, { artifactType: 'a/b+json' }),
    ).toEqual([]);
    expect(registry.requests).toContain(
      `GET /v2/app/referrers/${digest}?artifactType=a%2Fb%2Bjson`,
    );
  });

  test('stops at the page, entry and byte limits', async () => {
    registry = await paged(10, 1);
    const client = new RegistryClient({ host: registry.host });
    await expect(listReferrers(client, 'app', digest, limits)).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
    expect(registry.requests).toHaveLength(3);
    await registry.close();
    registry = await paged(1, 6);
    const second = new RegistryClient({ host: registry.host });
    await expect(listReferrers(second, 'app', digest, limits)).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
    await expect(
      listReferrers(second, 'app', digest, { ...limits, maxPageBytes: 100, maxEntries: 100 }),
    ).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });

  test('refuses a next page on another host', async () => {
    registry = await paged(2, 1, () => `<http://attacker.example/v2/x>; rel="next"`);
    const client = new RegistryClient({ host: registry.host });
    await expect(listReferrers(client, 'app', digest, limits)).rejects.toMatchObject({
      code: 'REGISTRY_PROTOCOL',
    });
  });
});

describe('findManifest', () => {
  test('is undefined for a tag that does not exist', async () => {
    registry = await startMemoryRegistry();
    const client = new RegistryClient({ host: registry.host });
    expect(await findManifest(client, 'app', 'sha256-abc.sig')).toBeUndefined();
  });
});

test('nextLink reads rel="next" among other links', () => {
  expect(nextLink('</a>; rel="prev", </v2/b?n=1>; rel="next"')).toBe('/v2/b?n=1');
  expect(nextLink('</a>; rel=next')).toBe('/a');
  expect(nextLink('</a>; rel="prev"')).toBeUndefined();
  expect(nextLink(null)).toBeUndefined();
});
