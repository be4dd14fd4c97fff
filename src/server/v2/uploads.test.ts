/**
 * Upload and download behaviour at the `/v2` routes that needs a real socket: bodies above
 * Fastify's 1 MiB default limit, `Range` reads, a client aborting mid-`PATCH` (nothing
 * half-written; the retry works), and many clients pushing the same blob and manifest at once.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import {
  pushBlob,
  pushManifest,
  sha256,
  startTestRegistry,
  testBackends,
  type TestRegistry,
} from '../../../test/conformance/registry-harness.js';

describe.each(testBackends)('%s stores', (backend) => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry({}, backend);
  });
  afterAll(async () => {
    await registry.close();
  });

  const octets = { 'content-type': 'application/octet-stream' };

  async function startSession(name: string): Promise<string> {
    const response = await registry.request('POST', `/v2/${name}/blobs/uploads/`);
    expect(response.status).toBe(202);
    return response.headers.get('location')!;
  }

  describe('large blobs and ranges', () => {
    const big = randomBytes(3 * 1024 * 1024 + 17);
    const digest = sha256(big);

    test('a streamed PATCH above 1 MiB is accepted and completes', async () => {
      const location = await startSession('large/blob');
      const patched = await registry.request('PATCH', location, { headers: octets, body: big });
      expect(patched.status).toBe(202);
      expect(patched.headers.get('range')).toBe(`0-${big.length - 1}`);
      const done = await registry.request('PUT', `${location}?digest=${digest}`);
      expect(done.status).toBe(201);
      const fetched = await registry.request('GET', `/v2/large/blob/blobs/${digest}`);
      expect(fetched.headers.get('content-length')).toBe(String(big.length));
      expect(Buffer.from(await fetched.arrayBuffer()).equals(big)).toBe(true);
    });

    test('a Range request is 206 with Content-Range and exactly those bytes', async () => {
      const response = await registry.request('GET', `/v2/large/blob/blobs/${digest}`, {
        headers: { range: 'bytes=1000-1999' },
      });
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes 1000-1999/${big.length}`);
      expect(response.headers.get('content-length')).toBe('1000');
      expect(Buffer.from(await response.arrayBuffer()).equals(big.subarray(1000, 2000))).toBe(true);
    });

    test('a suffix range returns the last bytes', async () => {
      const response = await registry.request('GET', `/v2/large/blob/blobs/${digest}`, {
        headers: { range: 'bytes=-10' },
      });
      expect(response.status).toBe(206);
      expect(Buffer.from(await response.arrayBuffer()).equals(big.subarray(big.length - 10))).toBe(
        true,
      );
    });

    test('a range past the end is 416 with the size in Content-Range', async () => {
      const response = await registry.request('GET', `/v2/large/blob/blobs/${digest}`, {
        headers: { range: `bytes=${big.length}-` },
      });
      expect(response.status).toBe(416);
      expect(response.headers.get('content-range')).toBe(`bytes */${big.length}`);
      expect(((await response.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe(
        'RANGE_INVALID',
      );
    });

    test('HEAD answers the size without a body', async () => {
      const response = await registry.request('HEAD', `/v2/large/blob/blobs/${digest}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-length')).toBe(String(big.length));
      expect(response.headers.get('content-type')).toBe('application/octet-stream');
      expect((await response.arrayBuffer()).byteLength).toBe(0);
    });

    test('the final chunk may come with the completing PUT', async () => {
      const data = randomBytes(5000);
      const location = await startSession('large/final');
      const first = await registry.request('PATCH', location, {
        headers: { ...octets, 'content-range': '0-2999' },
        body: data.subarray(0, 3000),
      });
      expect(first.status).toBe(202);
      const done = await registry.request('PUT', `${location}?digest=${sha256(data)}`, {
        headers: { ...octets, 'content-range': '3000-4999' },
        body: data.subarray(3000),
      });
      expect(done.status).toBe(201);
    });
  });

  describe('an aborted client', () => {
    test('a PATCH aborted mid-body leaves nothing half-written, and the retry works', async () => {
      const data = randomBytes(2 * 1024 * 1024);
      const location = await startSession('aborted/patch');
      await new Promise<void>((resolve) => {
        const request = httpRequest(`${registry.url}${location}`, {
          method: 'PATCH',
          headers: {
            authorization: registry.authorization,
            ...octets,
            'content-length': String(data.length),
            'content-range': `0-${data.length - 1}`,
          },
        });
        request.on('error', () => resolve());
        request.on('close', () => resolve());
        request.write(data.subarray(0, 256 * 1024), () => {
          request.destroy();
        });
      });
      expect(await registry.ctx.blobs.stat(sha256(data))).toBeUndefined();

      // The server notices the abort on its own schedule; until it has rolled the partial bytes
      // back the session is busy, and a retry from 0 is 416 — as a real client, retry then.
      let retried: Response | undefined;
      for (let attempt = 0; attempt < 200 && retried?.status !== 202; attempt += 1) {
        if (attempt > 0) await sleep(25);
        retried = await registry.request('PATCH', location, {
          headers: { ...octets, 'content-range': `0-${data.length - 1}` },
          body: data,
        });
        expect([202, 416]).toContain(retried.status);
      }
      expect(retried?.status).toBe(202);
      expect(retried?.headers.get('range')).toBe(`0-${data.length - 1}`);
      const done = await registry.request('PUT', `${location}?digest=${sha256(data)}`);
      expect(done.status).toBe(201);
      const fetched = await registry.request('GET', `/v2/aborted/patch/blobs/${sha256(data)}`);
      expect(Buffer.from(await fetched.arrayBuffer()).equals(data)).toBe(true);
    });
  });

  describe('many clients at once', () => {
    test('twelve clients pushing the same blob all succeed and one blob results', async () => {
      const data = randomBytes(200_000);
      const digest = sha256(data);
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          i % 2 === 0
            ? registry.request('POST', `/v2/same/blob/blobs/uploads/?digest=${digest}`, {
                headers: octets,
                body: data,
              })
            : pushBlob(registry, 'same/blob', { content: data, digest }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(201));
      const fetched = await registry.request('GET', `/v2/same/blob/blobs/${digest}`);
      expect(Buffer.from(await fetched.arrayBuffer()).equals(data)).toBe(true);
    });

    test('twelve clients pushing the same manifest to one tag all succeed', async () => {
      const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
      expect(
        (await pushBlob(registry, 'same/manifest', { content: config, digest: sha256(config) }))
          .status,
      ).toBe(201);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {
            mediaType: 'application/vnd.oci.image.config.v1+json',
            digest: sha256(config),
            size: config.length,
          },
          layers: [],
        }),
      );
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          pushManifest(
            registry,
            'same/manifest',
            i % 3 === 0 ? sha256(manifest) : 'latest',
            manifest,
          ),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(201));
      const byTag = await registry.request('GET', '/v2/same/manifest/manifests/latest');
      expect(byTag.headers.get('docker-content-digest')).toBe(sha256(manifest));
      expect(Buffer.from(await byTag.arrayBuffer()).equals(manifest)).toBe(true);
      const tags = await registry.request('GET', '/v2/same/manifest/tags/list');
      expect(await tags.json()).toEqual({ name: 'same/manifest', tags: ['latest'] });
    });
  });
});
