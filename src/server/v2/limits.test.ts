/**
 * The blob size limit at the `/v2` routes (announced or streamed past it: 413 `SIZE_INVALID`,
 * nothing stored) and sha512 digests end to end.
 */
import { createHash, randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import {
  errorCodes,
  pushManifest,
  sha256,
  startTestRegistry,
  type TestRegistry,
} from '../../../test/conformance/registry-harness.js';

const maxBlobBytes = 10_000;
const sha512 = (data: Uint8Array | string): string =>
  `sha512:${createHash('sha512').update(data).digest('hex')}`;

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry({ maxBlobBytes });
});
afterAll(async () => {
  await registry.close();
});

describe('the blob size limit', () => {
  test('a single-request upload announced over the limit is 413 before any byte is stored', async () => {
    const data = randomBytes(maxBlobBytes + 1);
    const response = await registry.request(
      'POST',
      `/v2/limit/repo/blobs/uploads/?digest=${sha256(data)}`,
      {
        headers: { 'content-type': 'application/octet-stream' },
        body: data,
      },
    );
    expect(response.status).toBe(413);
    expect(await errorCodes(response)).toEqual(['SIZE_INVALID']);
    expect(await registry.ctx.blobs.stat(sha256(data))).toBeUndefined();
  });

  test('chunks that together pass the limit are refused; the bytes before stay', async () => {
    const started = await registry.request('POST', '/v2/limit/chunks/blobs/uploads/');
    const location = started.headers.get('location')!;
    const first = await registry.request('PATCH', location, {
      body: randomBytes(maxBlobBytes - 10),
    });
    expect(first.status).toBe(202);
    const second = await registry.request('PATCH', location, { body: randomBytes(20) });
    expect(second.status).toBe(413);
    expect(await errorCodes(second)).toEqual(['SIZE_INVALID']);
    const status = await registry.request('GET', location);
    expect(status.headers.get('range')).toBe(`0-${maxBlobBytes - 11}`);
  });
});

describe('sha512', () => {
  test('a blob pushed and fetched by its sha512 digest', async () => {
    const data = randomBytes(3000);
    const pushed = await registry.request(
      'POST',
      `/v2/sha/five/blobs/uploads/?digest=${sha512(data)}`,
      {
        headers: { 'content-type': 'application/octet-stream' },
        body: data,
      },
    );
    expect(pushed.status).toBe(201);
    expect(pushed.headers.get('docker-content-digest')).toBe(sha512(data));
    const fetched = await registry.request('GET', `/v2/sha/five/blobs/${sha512(data)}`);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(data)).toBe(true);
  });

  test('a manifest pushed by its sha512 digest is stored under it', async () => {
    const config = Buffer.from('{"os":"linux"}');
    await registry.request('POST', `/v2/sha/five/blobs/uploads/?digest=${sha512(config)}`, {
      body: config,
    });
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: sha512(config),
          size: config.length,
        },
        layers: [],
      }),
    );
    const pushed = await pushManifest(registry, 'sha/five', sha512(manifest), manifest);
    expect(pushed.status).toBe(201);
    expect(pushed.headers.get('docker-content-digest')).toBe(sha512(manifest));
    const fetched = await registry.request('GET', `/v2/sha/five/manifests/${sha512(manifest)}`);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(manifest)).toBe(true);
  });
});
