/**
 * The OCI conformance suite's push workflow (distribution-spec v1.1.1, `02_push_test.go`), ported:
 * streamed, monolithic and chunked blob uploads (416 on an out-of-order or repeated chunk, status
 * after a 416), cross-repository mounts, and manifest pushes by tag, with no layers, and by digest.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import {
  blobA,
  blobB,
  blobBChunks,
  configs,
  dummyDigest,
  emptyLayerManifest,
  layer,
  manifests,
} from './fixtures.js';
import {
  pushManifest,
  startTestRegistry,
  testBackends,
  type TestRegistry,
} from './registry-harness.js';

const name = 'conformance/push';
const crossmount = 'conformance-crossmount/target';
const manifest1 = manifests[1]!;
const config1 = configs[1]!;

describe.each(testBackends)('%s stores', (backend) => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry({}, backend);
  });
  afterAll(async () => {
    await registry.close();
  });

  const octets = { 'content-type': 'application/octet-stream' };
  const post = (repository = name, query = ''): Promise<Response> =>
    registry.request('POST', `/v2/${repository}/blobs/uploads/${query}`);
  const withDigest = (location: string, digest: string): string =>
    `${location}${location.includes('?') ? '&' : '?'}digest=${digest}`;

  describe('blob upload streamed', () => {
    let location = '';

    test('PATCH with the blob in the body is 202', async () => {
      const started = await post();
      expect(started.status).toBe(202);
      const response = await registry.request('PATCH', started.headers.get('location')!, {
        headers: octets,
        body: blobA.content,
      });
      expect(response.status).toBe(202);
      expect(response.headers.get('range')).toBe(`0-${blobA.content.length - 1}`);
      location = response.headers.get('location')!;
    });

    test('PUT to the session with the digest is 201 with a Location', async () => {
      const response = await registry.request('PUT', withDigest(location, blobA.digest), {
        headers: octets,
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe(`/v2/${name}/blobs/${blobA.digest}`);
      expect(response.headers.get('docker-content-digest')).toBe(blobA.digest);
    });
  });

  describe('blob upload monolithic', () => {
    let location = '';

    test('GET of a nonexistent blob is 404', async () => {
      expect((await registry.request('GET', `/v2/${name}/blobs/${dummyDigest}`)).status).toBe(404);
    });

    test('POST with a digest and the blob is 201 with a Location', async () => {
      const response = await registry.request(
        'POST',
        `/v2/${name}/blobs/uploads/?digest=${config1.digest}`,
        { headers: octets, body: config1.content },
      );
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe(`/v2/${name}/blobs/${config1.digest}`);
    });

    test('the blob from the single POST is there', async () => {
      expect((await registry.request('GET', `/v2/${name}/blobs/${config1.digest}`)).status).toBe(
        200,
      );
    });

    test('POST without a digest yields a session', async () => {
      const response = await post();
      expect(response.status).toBe(202);
      location = response.headers.get('location')!;
      expect(location).toMatch(new RegExp(`^/v2/${name}/blobs/uploads/[0-9a-f-]{36}$`));
      expect(response.headers.get('docker-upload-uuid')).toBe(location.split('/').pop());
    });

    test('PUT of the blob to the session is 201', async () => {
      const response = await registry.request('PUT', withDigest(location, config1.digest), {
        headers: octets,
        body: config1.content,
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).not.toBe('');
    });

    test('GET of the blob is 200', async () => {
      expect((await registry.request('GET', `/v2/${name}/blobs/${config1.digest}`)).status).toBe(
        200,
      );
    });

    test('PUT of a layer blob is 201 and the layer is then there', async () => {
      const started = await post();
      const response = await registry.request(
        'PUT',
        withDigest(started.headers.get('location')!, layer.digest),
        {
          headers: octets,
          body: layer.content,
        },
      );
      expect(response.status).toBe(201);
      expect((await registry.request('GET', `/v2/${name}/blobs/${layer.digest}`)).status).toBe(200);
    });
  });

  describe('blob upload chunked', () => {
    const [chunk1, chunk2] = blobBChunks;
    const range1 = `0-${chunk1.length - 1}`;
    const range2 = `${chunk1.length}-${blobB.content.length - 1}`;
    let first = '';
    let location = '';

    const patch = (at: string, chunk: Uint8Array, range: string): Promise<Response> =>
      registry.request('PATCH', at, {
        headers: { ...octets, 'content-range': range },
        body: chunk,
      });

    test('an out-of-order chunk is 416', async () => {
      const started = await post();
      expect((await patch(started.headers.get('location')!, chunk2, range2)).status).toBe(416);
    });

    test('the first chunk is 202 with its Range', async () => {
      const started = await post();
      first = started.headers.get('location')!;
      const response = await patch(first, chunk1, range1);
      expect(response.status).toBe(202);
      expect(response.headers.get('range')).toBe(range1);
    });

    test('retrying the first chunk is 416', async () => {
      const response = await patch(first, chunk1, range1);
      expect(response.status).toBe(416);
      expect(response.headers.get('range')).toBe(range1);
    });

    test('GET of the session is 204 with its Range and Location', async () => {
      const response = await registry.request('GET', first);
      expect(response.status).toBe(204);
      expect(response.headers.get('location')).toBe(first);
      expect(response.headers.get('range')).toBe(range1);
      location = response.headers.get('location')!;
    });

    test('the second chunk is 202', async () => {
      const response = await patch(location, chunk2, range2);
      expect(response.status).toBe(202);
      expect(response.headers.get('range')).toBe(`0-${blobB.content.length - 1}`);
      location = response.headers.get('location')!;
    });

    test('PUT with the digest and no body completes the blob (201)', async () => {
      const response = await registry.request('PUT', withDigest(location, blobB.digest), {
        headers: { ...octets, 'content-length': '0' },
      });
      expect(response.status).toBe(201);
      const blob = await registry.request('GET', `/v2/${name}/blobs/${blobB.digest}`);
      expect(Buffer.from(await blob.arrayBuffer()).equals(blobB.content)).toBe(true);
    });
  });

  describe('cross-repository blob mount', () => {
    test('a mount without from yields a session', async () => {
      const response = await post(crossmount, `?mount=${dummyDigest}`);
      expect(response.status).toBe(202);
      expect(response.headers.get('location')).toMatch(
        new RegExp(`^/v2/${crossmount}/blobs/uploads/`),
      );
    });

    test("a mount of another repository's blob is 201 at the target's blob URL", async () => {
      const response = await post(crossmount, `?mount=${blobA.digest}&from=${name}`);
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe(`/v2/${crossmount}/blobs/${blobA.digest}`);
      const mounted = await registry.request('GET', response.headers.get('location')!);
      expect(mounted.status).toBe(200);
    });

    test('a mount of a nonexistent blob yields a session', async () => {
      const response = await post(crossmount, `?mount=${dummyDigest}&from=${name}`);
      expect(response.status).toBe(202);
      expect(response.headers.get('location')).toMatch(
        new RegExp(`^/v2/${crossmount}/blobs/uploads/`),
      );
    });

    test('without from, no automatic discovery: 202', async () => {
      expect((await post(crossmount, `?mount=${blobA.digest}`)).status).toBe(202);
    });
  });

  describe('manifest upload', () => {
    test('GET of a nonexistent manifest is 404', async () => {
      const response = await registry.request(
        'GET',
        `/v2/${name}/manifests/.INVALID_MANIFEST_NAME`,
      );
      expect(response.status).toBe(404);
    });

    test('PUT by tag is 201 with a Location, four times', async () => {
      for (let i = 0; i < 4; i += 1) {
        const response = await pushManifest(registry, name, `test${i}`, manifest1.content);
        expect(response.status).toBe(201);
        expect(response.headers.get('location')).toBe(`/v2/${name}/manifests/${manifest1.digest}`);
        expect(response.headers.get('docker-content-digest')).toBe(manifest1.digest);
      }
    });

    test('a manifest with no layers (and no mediaType) is accepted', async () => {
      const response = await pushManifest(registry, name, 'emptylayer', emptyLayerManifest.content);
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe(
        `/v2/${name}/manifests/${emptyLayerManifest.digest}`,
      );
    });

    test('GET of the manifest by digest is 200', async () => {
      const response = await registry.request('GET', `/v2/${name}/manifests/${manifest1.digest}`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(response.status).toBe(200);
    });

    test('teardown: manifests and blobs are deleted', async () => {
      for (const digest of [manifest1.digest, emptyLayerManifest.digest]) {
        expect((await registry.request('DELETE', `/v2/${name}/manifests/${digest}`)).status).toBe(
          202,
        );
      }
      for (const digest of [config1.digest, layer.digest]) {
        expect((await registry.request('DELETE', `/v2/${name}/blobs/${digest}`)).status).toBe(202);
      }
    });
  });
});
