/**
 * Bad input at the `/v2` routes (issue 10, "Bad input"): names, tags and digests outside the
 * grammar, traversal, oversize and malformed manifests, missing references, a digest mismatch at
 * completion, and chunks to unknown or expired sessions. Every failure is an OCI error body.
 */
import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import {
  errorCodes,
  pushBlob,
  pushManifest,
  rawRequest,
  sha256,
  startTestRegistry,
  type TestRegistry,
} from '../../../test/conformance/registry-harness.js';

const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
const maxManifestBytes = 64 * 1024;

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry({ maxManifestBytes });
});
afterAll(async () => {
  await registry.close();
});

function manifestFor(config: { digest: string; size: number }, layers: string[] = []): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: ociManifest,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((digest) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest,
        size: 1,
      })),
    }),
  );
}

async function expectError(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  expect(await errorCodes(response)).toEqual([code]);
}

describe('names, tags and digests outside the grammar', () => {
  test.each([
    '/v2/a/../b/tags/list',
    '/v2/../../etc/passwd/tags/list',
    '/v2/a/%2e%2e/b/manifests/latest',
    '/v2/a/./b/blobs/uploads/',
  ])('traversal %s is NAME_INVALID', async (path) => {
    const response = await rawRequest(registry, 'GET', path);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ errors: [{ code: 'NAME_INVALID' }] });
  });

  test.each([
    '/v2/UPPER/tags/list',
    '/v2/a%2Fb/tags/list',
    '/v2/a//b/tags/list',
    '/v2/-a/tags/list',
    `/v2/${'a'.repeat(256)}/tags/list`,
  ])('%s is NAME_INVALID', async (path) => {
    await expectError(await registry.request('GET', path), 400, 'NAME_INVALID');
  });

  test('a tag outside the grammar is TAG_INVALID on push', async () => {
    const response = await pushManifest(registry, 'bad/tag', '.hidden', Buffer.from('{}'));
    await expectError(response, 400, 'TAG_INVALID');
  });

  test('a tag of 129 characters is TAG_INVALID', async () => {
    const response = await pushManifest(registry, 'bad/tag', 'a'.repeat(129), Buffer.from('{}'));
    await expectError(response, 400, 'TAG_INVALID');
  });

  test.each([
    ['a short digest', `/v2/a/blobs/sha256:${'a'.repeat(63)}`],
    ['an uppercase digest', `/v2/a/blobs/sha256:${'A'.repeat(64)}`],
    ['an unknown algorithm', `/v2/a/blobs/sha384:${'a'.repeat(96)}`],
    ['a malformed manifest digest', '/v2/a/manifests/sha256:zz'],
  ])('%s is DIGEST_INVALID', async (_what, path) => {
    await expectError(await registry.request('GET', path), 400, 'DIGEST_INVALID');
  });

  test('an upload completed with a malformed digest is DIGEST_INVALID', async () => {
    const started = await registry.request('POST', '/v2/bad/digest/blobs/uploads/');
    const response = await registry.request(
      'PUT',
      `${started.headers.get('location')}?digest=sha256:x`,
    );
    await expectError(response, 400, 'DIGEST_INVALID');
  });

  test('an unknown path under /v2 is a JSON 404', async () => {
    await expectError(await registry.request('GET', '/v2/a/b/nothing'), 404, 'UNSUPPORTED');
  });

  test('a method an endpoint lacks is a JSON 405', async () => {
    const response = await registry.request('POST', '/v2/a/tags/list');
    await expectError(response, 405, 'UNSUPPORTED');
  });
});

describe('manifests', () => {
  test('a manifest over the size limit is 413 SIZE_INVALID, and nothing is stored', async () => {
    const body = Buffer.alloc(maxManifestBytes + 1, 0x20);
    const response = await pushManifest(registry, 'big/one', 'latest', body);
    await expectError(response, 413, 'SIZE_INVALID');
    expect((await registry.request('GET', '/v2/big/one/manifests/latest')).status).toBe(404);
  });

  test('a manifest over the limit sent chunked (no Content-Length) is 413 too', async () => {
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 3; i += 1) controller.enqueue(new Uint8Array(maxManifestBytes / 2));
        controller.close();
      },
    });
    const response = await fetch(`${registry.url}/v2/big/two/manifests/latest`, {
      method: 'PUT',
      headers: { authorization: registry.authorization, 'content-type': ociManifest },
      body: chunks,
      duplex: 'half',
    });
    await expectError(response, 413, 'SIZE_INVALID');
  });

  test.each([
    ['not JSON', 'blablabla'],
    ['truncated JSON', '{"schemaVersion": 2, "config": {'],
    ['a JSON array', '[]'],
    ['no layers', JSON.stringify({ schemaVersion: 2, mediaType: ociManifest, config: {} })],
  ])('%s is MANIFEST_INVALID', async (_what, body) => {
    const response = await pushManifest(registry, 'bad/json', 'latest', Buffer.from(body));
    await expectError(response, 400, 'MANIFEST_INVALID');
  });

  test('a Content-Type that contradicts the mediaType is MANIFEST_INVALID', async () => {
    const config = Buffer.from('{}');
    await pushBlob(registry, 'bad/type', { content: config, digest: sha256(config) });
    const body = manifestFor({ digest: sha256(config), size: 2 });
    const response = await pushManifest(
      registry,
      'bad/type',
      'latest',
      body,
      'application/vnd.docker.distribution.manifest.v2+json',
    );
    await expectError(response, 400, 'MANIFEST_INVALID');
  });

  test('a manifest naming blobs the repository lacks is MANIFEST_BLOB_UNKNOWN, naming them', async () => {
    const config = Buffer.from('{"a":1}');
    await pushBlob(registry, 'missing/blobs', { content: config, digest: sha256(config) });
    const absent = sha256('absent layer');
    const body = manifestFor({ digest: sha256(config), size: config.length }, [absent]);
    const response = await pushManifest(registry, 'missing/blobs', 'latest', body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { errors: { code: string; detail: unknown }[] };
    expect(answer.errors[0]?.code).toBe('MANIFEST_BLOB_UNKNOWN');
    expect(JSON.stringify(answer.errors[0]?.detail)).toContain(absent);
    expect((await registry.request('GET', '/v2/missing/blobs/manifests/latest')).status).toBe(404);
  });

  test("a blob of another repository does not satisfy a manifest's reference", async () => {
    const config = Buffer.from('{"b":2}');
    await pushBlob(registry, 'other/repo', { content: config, digest: sha256(config) });
    const body = manifestFor({ digest: sha256(config), size: config.length });
    const response = await pushManifest(registry, 'this/repo', 'latest', body);
    await expectError(response, 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  test('an index naming a child manifest the repository lacks is MANIFEST_BLOB_UNKNOWN', async () => {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [{ mediaType: ociManifest, digest: sha256('child'), size: 5 }],
      }),
    );
    const response = await pushManifest(
      registry,
      'index/repo',
      'latest',
      body,
      'application/vnd.oci.image.index.v1+json',
    );
    await expectError(response, 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  test('a push by digest whose body has another digest is DIGEST_INVALID', async () => {
    const config = Buffer.from('{"c":3}');
    await pushBlob(registry, 'by/digest', { content: config, digest: sha256(config) });
    const body = manifestFor({ digest: sha256(config), size: config.length });
    const response = await pushManifest(registry, 'by/digest', sha256('something else'), body);
    await expectError(response, 400, 'DIGEST_INVALID');
  });

  test('an Accept header that excludes the stored type is MANIFEST_UNKNOWN; */* is served', async () => {
    const config = Buffer.from('{"d":4}');
    await pushBlob(registry, 'accept/repo', { content: config, digest: sha256(config) });
    const body = manifestFor({ digest: sha256(config), size: config.length });
    expect((await pushManifest(registry, 'accept/repo', 'v1', body)).status).toBe(201);
    const refused = await registry.request('GET', '/v2/accept/repo/manifests/v1', {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    await expectError(refused, 404, 'MANIFEST_UNKNOWN');
    for (const accept of ['*/*', 'application/*', `application/json, ${ociManifest};q=0.5`]) {
      const served = await registry.request('GET', '/v2/accept/repo/manifests/v1', {
        headers: { accept },
      });
      expect(served.status).toBe(200);
      expect(Buffer.from(await served.arrayBuffer()).equals(body)).toBe(true);
    }
  });
});

describe('uploads', () => {
  test('a digest mismatch at completion is DIGEST_INVALID, stores nothing and ends the session', async () => {
    const started = await registry.request('POST', '/v2/mismatch/repo/blobs/uploads/');
    const location = started.headers.get('location')!;
    const claimed = sha256('what the client claims');
    const response = await registry.request('PUT', `${location}?digest=${claimed}`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from('what the client sent'),
    });
    await expectError(response, 400, 'DIGEST_INVALID');
    expect((await registry.request('HEAD', `/v2/mismatch/repo/blobs/${claimed}`)).status).toBe(404);
    expect(await registry.ctx.blobs.stat(claimed)).toBeUndefined();
    expect(await registry.ctx.blobs.stat(sha256('what the client sent'))).toBeUndefined();
    await expectError(await registry.request('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  test('a single-request upload with a wrong digest stores nothing', async () => {
    const claimed = sha256('claimed');
    const response = await registry.request(
      'POST',
      `/v2/mismatch/mono/blobs/uploads/?digest=${claimed}`,
      {
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from('actual'),
      },
    );
    await expectError(response, 400, 'DIGEST_INVALID');
    expect(await registry.ctx.blobs.stat(claimed)).toBeUndefined();
  });

  test.each(['PATCH', 'PUT', 'GET', 'DELETE'])(
    '%s to an unknown session is BLOB_UPLOAD_UNKNOWN',
    async (method) => {
      const path = `/v2/no/session/blobs/uploads/${randomUUID()}?digest=${sha256('x')}`;
      const response = await registry.request(method, path, {
        ...(method === 'PATCH' || method === 'PUT' ? { body: Buffer.from('x') } : {}),
      });
      await expectError(response, 404, 'BLOB_UPLOAD_UNKNOWN');
    },
  );

  test('a session id that is not a UUID is BLOB_UPLOAD_UNKNOWN', async () => {
    await expectError(
      await registry.request('GET', '/v2/no/session/blobs/uploads/..%2F..%2Fetc'),
      404,
      'BLOB_UPLOAD_UNKNOWN',
    );
  });

  test("another repository's session is unknown here", async () => {
    const started = await registry.request('POST', '/v2/owner/repo/blobs/uploads/');
    const id = started.headers.get('docker-upload-uuid')!;
    const response = await registry.request('PATCH', `/v2/thief/repo/blobs/uploads/${id}`, {
      body: Buffer.from('x'),
    });
    await expectError(response, 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  test('a chunk to an expired session is BLOB_UPLOAD_UNKNOWN', async () => {
    const id = randomUUID();
    const longAgo = new Date(Date.now() - 2 * registry.ctx.limits.uploadTtlMs);
    await registry.ctx.blobs.createUpload(id);
    await registry.ctx.meta.createUpload({
      id,
      repository: 'expired/repo',
      createdAt: longAgo,
      updatedAt: longAgo,
    });
    const response = await registry.request('PATCH', `/v2/expired/repo/blobs/uploads/${id}`, {
      body: Buffer.from('late'),
    });
    await expectError(response, 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  test('a chunk whose Content-Length differs from its Content-Range is BLOB_UPLOAD_INVALID', async () => {
    const started = await registry.request('POST', '/v2/chunks/repo/blobs/uploads/');
    const response = await registry.request('PATCH', started.headers.get('location')!, {
      headers: { 'content-range': '0-9' },
      body: Buffer.from('four'),
    });
    await expectError(response, 400, 'BLOB_UPLOAD_INVALID');
  });

  test('a mount from a repository name outside the grammar is NAME_INVALID', async () => {
    const response = await registry.request(
      'POST',
      `/v2/mount/repo/blobs/uploads/?mount=${sha256('x')}&from=../etc`,
    );
    await expectError(response, 400, 'NAME_INVALID');
  });
});
