/**
 * The OCI conformance suite's content-management workflow (distribution-spec v1.1.1,
 * `04_management_test.go`), ported: delete a tag (202), the manifest by digest, see both gone
 * from the tags list and the manifest URL, then delete blobs and see them gone.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { configs, layer, manifests } from './fixtures.js';
import {
  pushBlob,
  pushManifest,
  startTestRegistry,
  testBackends,
  type TestRegistry,
} from './registry-harness.js';

const name = 'conformance/management';
const tag = 'tagtest0';
const manifest = manifests[3]!;

describe.each(testBackends)('%s stores', (backend) => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry({}, backend);
  });
  afterAll(async () => {
    await registry.close();
  });

  const tags = async (): Promise<string[]> => {
    const response = await registry.request('GET', `/v2/${name}/tags/list`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { tags: string[] }).tags;
  };

  describe('content management', () => {
    test('setup: a config, the layer and one tagged manifest (plus a second tag)', async () => {
      expect((await pushBlob(registry, name, configs[3]!)).status).toBe(201);
      expect((await pushBlob(registry, name, layer)).status).toBe(201);
      expect((await pushManifest(registry, name, tag, manifest.content)).status).toBe(201);
      expect((await pushManifest(registry, name, 'kept', manifest.content)).status).toBe(201);
      expect(await tags()).toEqual(['kept', tag]);
    });

    test('DELETE of a tag is 202; the tag is gone, the manifest stays', async () => {
      expect((await registry.request('DELETE', `/v2/${name}/manifests/${tag}`)).status).toBe(202);
      expect(await tags()).toEqual(['kept']);
      expect((await registry.request('GET', `/v2/${name}/manifests/${tag}`)).status).toBe(404);
      expect(
        (await registry.request('GET', `/v2/${name}/manifests/${manifest.digest}`)).status,
      ).toBe(200);
    });

    test('DELETE of the manifest by digest is 202 and removes its tags', async () => {
      expect(
        (await registry.request('DELETE', `/v2/${name}/manifests/${manifest.digest}`)).status,
      ).toBe(202);
      expect(
        (await registry.request('GET', `/v2/${name}/manifests/${manifest.digest}`)).status,
      ).toBe(404);
      expect((await registry.request('GET', `/v2/${name}/manifests/kept`)).status).toBe(404);
      expect(await tags()).toEqual([]);
    });

    test('a second DELETE of the manifest is 404', async () => {
      expect(
        (await registry.request('DELETE', `/v2/${name}/manifests/${manifest.digest}`)).status,
      ).toBe(404);
      expect((await registry.request('DELETE', `/v2/${name}/manifests/${tag}`)).status).toBe(404);
    });

    test('DELETE of the blobs is 202, then a GET is 404', async () => {
      for (const blob of [configs[3]!, layer]) {
        expect((await registry.request('DELETE', `/v2/${name}/blobs/${blob.digest}`)).status).toBe(
          202,
        );
        expect((await registry.request('GET', `/v2/${name}/blobs/${blob.digest}`)).status).toBe(
          404,
        );
        expect((await registry.request('DELETE', `/v2/${name}/blobs/${blob.digest}`)).status).toBe(
          404,
        );
      }
    });
  });
});
