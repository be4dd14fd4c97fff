import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, test } from 'vitest';

import { startMemoryRegistry, type MemoryRegistry } from './__fixtures__/memory-registry.js';
import { RegistryClient } from './client.js';
import { blobExists, putManifest, uploadBlob } from './write.js';

const digestOf = (bytes: Buffer): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const manifestType = 'application/vnd.oci.image.manifest.v1+json';
const noWait = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 };

let registry: MemoryRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

describe('uploadBlob', () => {
  test.each([false, true])(
    'POSTs a session and PUTs the bytes with ?digest= (absolute Location: %s)',
    async (absoluteLocations) => {
      registry = await startMemoryRegistry({ absoluteLocations });
      const client = new RegistryClient({ host: registry.host });
      const blob = Buffer.from('signature payload');
      expect(await blobExists(client, 'app', digestOf(blob))).toBe(false);
      expect(await uploadBlob(client, 'app', blob)).toBe(digestOf(blob));
      expect(registry.blobs.get(digestOf(blob))?.equals(blob)).toBe(true);
      expect(registry.requests).toContain(
        `PUT /upload/1?session=s1&digest=${encodeURIComponent(digestOf(blob))}`,
      );
      expect(await blobExists(client, 'app', digestOf(blob))).toBe(true);
    },
  );

  test('skips the upload when the registry already has the blob', async () => {
    registry = await startMemoryRegistry();
    const client = new RegistryClient({ host: registry.host });
    const blob = Buffer.from('{}');
    registry.blobs.set(digestOf(blob), blob);
    await uploadBlob(client, 'app', blob);
    expect(registry.requests.filter((r) => r.startsWith('POST'))).toEqual([]);
  });

  test('asks the token server for pull,push on the repository', async () => {
    registry = await startMemoryRegistry({ bearer: true });
    const client = new RegistryClient({
      host: registry.host,
      credentials: { username: 'u', password: 'p' },
    });
    await uploadBlob(client, 'team/app', Buffer.from('x'));
    expect(registry.scopes).toEqual(['repository:team/app:pull,push']);
  });

  test('never sends the registry credentials to an upload Location on another host', async () => {
    const seen: (string | undefined)[] = [];
    const storage = createServer((request, response) => {
      seen.push(request.headers.authorization);
      request.resume();
      request.on('end', () => {
        response.writeHead(201);
        response.end();
      });
    });
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
    const storageUrl = `http://127.0.0.1:${(storage.address() as AddressInfo).port}`;
    try {
      registry = await startMemoryRegistry({
        intercept: (request, response) => {
          if (request.method !== 'POST') return false;
          if (request.headers.authorization === undefined) {
            response.writeHead(401, { 'www-authenticate': 'Basic realm="r"' });
          } else {
            response.writeHead(202, { location: `${storageUrl}/upload?sig=abc` });
          }
          response.end();
          return true;
        },
      });
      const client = new RegistryClient({
        host: registry.host,
        credentials: { username: 'u', password: 'p' },
      });
      await uploadBlob(client, 'app', Buffer.from('x'));
      expect(seen).toEqual([undefined]);
    } finally {
      storage.closeAllConnections();
      await new Promise<void>((resolve) => storage.close(() => resolve()));
    }
  });

  test('a POST that fails with 503 is not retried', async () => {
    registry = await startMemoryRegistry({
      intercept: (request, response) => {
        if (request.method !== 'POST') return false;
        response.writeHead(503);
        response.end();
        return true;
      },
    });
    const client = new RegistryClient({ host: registry.host, retry: noWait });
    await expect(uploadBlob(client, 'app', Buffer.from('x'))).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
    });
    expect(registry.requests.filter((r) => r.startsWith('POST'))).toHaveLength(1);
  });
});

describe('putManifest', () => {
  test('returns our digest and the OCI-Subject the registry reports', async () => {
    registry = await startMemoryRegistry();
    const client = new RegistryClient({ host: registry.host });
    const bytes = Buffer.from('{"schemaVersion":2}');
    const pushed = await putManifest(client, 'app', 'v1', manifestType, bytes);
    expect(pushed).toEqual({ digest: digestOf(bytes) });
    expect(registry.manifests.get('app:v1')?.mediaType).toBe(manifestType);
  });

  test('a PUT answered 503 is retried', async () => {
    let failures = 1;
    registry = await startMemoryRegistry({
      intercept: (request, response) => {
        if (request.method !== 'PUT' || failures === 0) return false;
        failures -= 1;
        response.writeHead(503);
        response.end();
        return true;
      },
    });
    const client = new RegistryClient({ host: registry.host, retry: noWait });
    await putManifest(client, 'app', 'v1', manifestType, Buffer.from('{}'));
    expect(registry.requests.filter((r) => r.startsWith('PUT'))).toHaveLength(2);
  });

  test('a registry that reports another digest is DIGEST_MISMATCH', async () => {
    registry = await startMemoryRegistry({
      intercept: (request, response) => {
        if (request.method !== 'PUT') return false;
        response.writeHead(201, { 'docker-content-digest': digestOf(Buffer.from('other')) });
        response.end();
        return true;
      },
    });
    const client = new RegistryClient({ host: registry.host });
    await expect(
      putManifest(client, 'app', 'v1', manifestType, Buffer.from('{}')),
    ).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  test('a write redirected with 302 is refused rather than replayed as a GET', async () => {
    registry = await startMemoryRegistry({
      intercept: (request, response) => {
        if (request.method !== 'PUT') return false;
        response.writeHead(302, { location: '/elsewhere' });
        response.end();
        return true;
      },
    });
    const client = new RegistryClient({ host: registry.host });
    await expect(
      putManifest(client, 'app', 'v1', manifestType, Buffer.from('{}')),
    ).rejects.toMatchObject({ code: 'REGISTRY_PROTOCOL' });
  });
});
