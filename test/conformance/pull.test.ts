/**
 * The OCI conformance suite's pull workflow (distribution-spec v1.1.1, `01_pull_test.go`), ported:
 * blobs and manifests by tag and digest with HEAD and GET, 404s for what is absent, an OCI error
 * body for a malformed reference, and the teardown deletes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { configs, dummyDigest, layer, manifests } from './fixtures.js';
import {
  errorCodes,
  pushBlob,
  pushManifest,
  startTestRegistry,
  testBackends,
  type TestRegistry,
} from './registry-harness.js';

const name = 'conformance/pull';
const tag = 'tagtest0';
const manifest0 = manifests[0]!;
const manifest1 = manifests[1]!;
const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
const specErrorCodes = [
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'MANIFEST_UNVERIFIED',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'TAG_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
];

describe.each(testBackends)('%s stores', (backend) => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry({}, backend);
  });
  afterAll(async () => {
    await registry.close();
  });

  describe('pull', () => {
    test('setup: the configs, the layer and two manifests (by tag, by digest) are pushed', async () => {
      for (const blob of [configs[0]!, configs[1]!, layer]) {
        expect((await pushBlob(registry, name, blob)).status).toBe(201);
      }
      expect((await pushManifest(registry, name, tag, manifest0.content)).status).toBe(201);
      expect((await pushManifest(registry, name, manifest1.digest, manifest1.content)).status).toBe(
        201,
      );
    });

    test('HEAD of a nonexistent blob is 404', async () => {
      expect((await registry.request('HEAD', `/v2/${name}/blobs/${dummyDigest}`)).status).toBe(404);
    });

    test('HEAD of an existing blob is 200 with its digest', async () => {
      const response = await registry.request('HEAD', `/v2/${name}/blobs/${configs[0]!.digest}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('docker-content-digest')).toBe(configs[0]!.digest);
      expect(response.headers.get('content-length')).toBe(String(configs[0]!.content.length));
    });

    test('GET of a nonexistent blob is 404', async () => {
      expect((await registry.request('GET', `/v2/${name}/blobs/${dummyDigest}`)).status).toBe(404);
    });

    test('GET of an existing blob is 200 with its bytes', async () => {
      const response = await registry.request('GET', `/v2/${name}/blobs/${configs[0]!.digest}`);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(configs[0]!.content)).toBe(true);
    });

    test('HEAD of a nonexistent manifest is 404', async () => {
      const response = await registry.request(
        'HEAD',
        `/v2/${name}/manifests/.INVALID_MANIFEST_NAME`,
      );
      expect(response.status).toBe(404);
    });

    test.each([
      ['manifest[0] by digest', () => manifest0.digest, () => manifest0.digest],
      ['manifest[1] by digest', () => manifest1.digest, () => manifest1.digest],
      ['the tag', () => tag, () => manifest0.digest],
    ])('HEAD of %s is 200 with its digest', async (_what, reference, digest) => {
      const response = await registry.request('HEAD', `/v2/${name}/manifests/${reference()}`, {
        headers: accept,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('docker-content-digest')).toBe(digest());
    });

    test('GET of a nonexistent manifest is 404', async () => {
      const response = await registry.request(
        'GET',
        `/v2/${name}/manifests/.INVALID_MANIFEST_NAME`,
      );
      expect(response.status).toBe(404);
    });

    test.each([
      ['manifest[0] by digest', () => manifest0.digest, () => manifest0],
      ['manifest[1] by digest', () => manifest1.digest, () => manifest1],
      ['the tag', () => tag, () => manifest0],
    ])('GET of %s is 200 with the bytes pushed', async (_what, reference, expected) => {
      const response = await registry.request('GET', `/v2/${name}/manifests/${reference()}`, {
        headers: accept,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(
        'application/vnd.oci.image.manifest.v1+json',
      );
      expect(Buffer.from(await response.arrayBuffer()).equals(expected().content)).toBe(true);
    });

    test('a malformed reference gets 400 or 404, and a 400 carries an OCI error code', async () => {
      const response = await registry.request('GET', `/v2/${name}/manifests/sha256:totallywrong`, {
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect([400, 404]).toContain(response.status);
      if (response.status === 400)
        expect(specErrorCodes).toContain((await errorCodes(response))[0]);
    });

    test('teardown: manifests, then configs and layer, are deleted', async () => {
      for (const manifest of [manifest0, manifest1]) {
        const response = await registry.request(
          'DELETE',
          `/v2/${name}/manifests/${manifest.digest}`,
        );
        expect(response.status).toBe(202);
      }
      for (const blob of [configs[0]!, configs[1]!, layer]) {
        const response = await registry.request('DELETE', `/v2/${name}/blobs/${blob.digest}`);
        expect(response.status).toBe(202);
      }
    });
  });
});
