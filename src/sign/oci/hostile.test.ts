/**
 * Hostile registries: documents that are too large, too many layers or referrers, endless
 * pagination, loops, lies about digests. Each ends in a SignError (or a registry error), never a
 * crash or unbounded memory.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { afterEach, describe, expect, test } from 'vitest';

import { RegistryClient } from '../../registry-client/client.js';
import type { SignedImage } from '../types.js';
import {
  startMemoryRegistry,
  seedImage,
  type MemoryRegistry,
} from '../../registry-client/__fixtures__/memory-registry.js';
import { bundleMediaType } from '../bundle/build.js';
import { readBundleReferrers } from './bundle-referrers.js';
import { fallbackTag } from './fallback-index.js';
import { appendLegacy, readLegacy } from './legacy.js';
import { legacyTag } from './legacy-manifest.js';
import { defaultSignatureStorageLimits } from './limits.js';

const digestOf = (bytes: Buffer | string): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
const ociIndex = 'application/vnd.oci.image.index.v1+json';

let registry: MemoryRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

type Handler = (request: IncomingMessage, response: ServerResponse) => boolean;

/** A memory registry with one image `app:v1` and `handler` answering first. */
async function hostile(
  handler: (image: SignedImage) => Handler,
  options: { referrers?: boolean } = {},
): Promise<{ client: RegistryClient; image: SignedImage; peer: MemoryRegistry }> {
  let answer: Handler = () => false;
  const peer = await startMemoryRegistry({
    ...options,
    intercept: (request, response) => answer(request, response),
  });
  registry = peer;
  const digest = seedImage(peer, 'app', 'v1');
  const image: SignedImage = {
    registry: peer.host,
    repository: 'app',
    digest,
    mediaType: ociManifest,
    size: peer.manifests.get(`app@${digest}`)?.bytes.length ?? 0,
    dockerReference: `${peer.host}/app`,
  };
  answer = handler(image);
  const client = new RegistryClient({ host: peer.host, retry: { maxAttempts: 1 } });
  return { client, image, peer };
}

/** Answers GET `path` with `body` (a manifest unless told otherwise). */
function serve(path: string, body: Buffer, type = ociManifest): Handler {
  return (request, response) => {
    if (request.url !== path) return false;
    response.writeHead(200, { 'content-type': type });
    response.end(body);
    return true;
  };
}

function sigManifest(layers: unknown[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: ociManifest,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: digestOf('{}'),
        size: 2,
      },
      layers,
    }),
  );
}

const layer = (size: number, digest = digestOf(String(size))): Record<string, unknown> => ({
  mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
  size,
  digest,
  annotations: { 'dev.cosignproject.cosign/signature': 'c2ln' },
});

describe('legacy signature tags', () => {
  test('a signature manifest larger than the limit is LIMIT_EXCEEDED', async () => {
    const { client, image } = await hostile((image) => (request, response) => {
      if (request.url !== `/v2/app/manifests/${legacyTag(image.digest, 'signature')}`) return false;
      // No Content-Length: the reader must stop on its own.
      response.writeHead(200, { 'content-type': ociManifest });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      for (let i = 0; i < 9; i += 1) response.write(chunk);
      response.end();
      return true;
    });
    await expect(readLegacy(client, image, 'signature')).rejects.toMatchObject({
      name: 'SignError',
      code: 'LIMIT_EXCEEDED',
    });
  });

  test('10,000 layers are refused before any layer is fetched', async () => {
    const layers = Array.from({ length: 10_000 }, (_, i) => layer(10 + i));
    const { client, image, peer } = await hostile((image) =>
      serve(`/v2/app/manifests/${legacyTag(image.digest, 'signature')}`, sigManifest(layers)),
    );
    await expect(readLegacy(client, image, 'signature')).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: expect.stringContaining('10000 signature layers') as string,
    });
    expect(peer.requests.filter((r) => r.includes('/blobs/'))).toEqual([]);
    const add = { mediaType: 'x', payload: Buffer.from('p'), annotations: {} };
    await expect(appendLegacy(client, image, 'signature', add)).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
  });

  test('a layer declaring more bytes than the limit is refused without fetching it', async () => {
    const big = defaultSignatureStorageLimits.maxSignatureLayerBytes + 1;
    const { client, image, peer } = await hostile((image) =>
      serve(`/v2/app/manifests/${legacyTag(image.digest, 'signature')}`, sigManifest([layer(big)])),
    );
    await expect(readLegacy(client, image, 'signature')).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: expect.stringContaining('layer 1') as string,
    });
    expect(peer.requests.filter((r) => r.includes('/blobs/'))).toEqual([]);
  });

  test('a layer whose bytes do not match its digest is SIGNATURE_INVALID', async () => {
    const { client, image, peer } = await hostile((image) =>
      serve(
        `/v2/app/manifests/${legacyTag(image.digest, 'signature')}`,
        sigManifest([layer(5, digestOf('right'))]),
      ),
    );
    peer.blobs.set(digestOf('right'), Buffer.from('wrong'));
    await expect(readLegacy(client, image, 'signature')).rejects.toMatchObject({
      name: 'SignError',
      code: 'SIGNATURE_INVALID',
    });
  });

  test('a tag holding something other than an image manifest is SIGNATURE_INVALID', async () => {
    const { client, image } = await hostile((image) =>
      serve(
        `/v2/app/manifests/${legacyTag(image.digest, 'attestation')}`,
        Buffer.from('{"schemaVersion":2,"layers":"x"}'),
      ),
    );
    await expect(readLegacy(client, image, 'attestation')).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });
});

function referrerManifest(
  subject: SignedImage | { digest: string; size: number },
  bundle: Buffer,
): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: ociManifest,
      artifactType: bundleMediaType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf('{}'), size: 2 },
      layers: [{ mediaType: bundleMediaType, digest: digestOf(bundle), size: bundle.length }],
      subject: { mediaType: ociManifest, digest: subject.digest, size: subject.size },
    }),
  );
}

const entry = (bytes: Buffer | { digest: string; size: number }, mediaType = ociManifest) => ({
  mediaType,
  digest: Buffer.isBuffer(bytes) ? digestOf(bytes) : bytes.digest,
  size: Buffer.isBuffer(bytes) ? bytes.length : bytes.size,
  artifactType: bundleMediaType,
});

describe('bundle referrers', () => {
  test('looping listings (the image itself, repeats, an index, another subject) do not recurse', async () => {
    const bundle = Buffer.from('{"messageSignature":{}}');
    let good: Buffer = Buffer.alloc(0);
    let foreign: Buffer = Buffer.alloc(0);
    const { client, image, peer } = await hostile(
      (image) => {
        good = referrerManifest(image, bundle);
        foreign = referrerManifest({ digest: digestOf('other'), size: 1 }, bundle);
        const listing = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: ociIndex,
            manifests: [
              entry(good),
              entry(good),
              entry({ digest: image.digest, size: image.size }),
              entry(foreign),
              entry({ digest: digestOf('index'), size: 5 }, ociIndex),
            ],
          }),
        );
        return serve(`/v2/app/referrers/${image.digest}`, listing, ociIndex);
      },
      { referrers: true },
    );
    peer.manifests.set(`app@${digestOf(good)}`, { bytes: good, mediaType: ociManifest });
    peer.manifests.set(`app@${digestOf(foreign)}`, { bytes: foreign, mediaType: ociManifest });
    peer.blobs.set(digestOf(bundle), bundle);
    const found = await readBundleReferrers(client, image);
    expect(found.map((f) => f.source)).toEqual([`${peer.host}/app@${digestOf(good)}`]);
    expect(peer.requests.filter((r) => r.includes('/referrers/'))).toHaveLength(1);
    expect(
      peer.requests.filter((r) => r.includes(image.digest) && r.includes('/manifests/')),
    ).toEqual([]);
  });

  test('a fallback index that lists itself is not followed', async () => {
    const { client, image } = await hostile((image) => {
      const tag = fallbackTag(image.digest);
      let self: Buffer = Buffer.alloc(0);
      return (request, response) => {
        if (request.url !== `/v2/app/manifests/${tag}`) return false;
        // An index cannot contain its own digest, but it can list an index and a fake self.
        self = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: ociIndex,
            manifests: [entry({ digest: digestOf(self), size: self.length }, ociIndex)],
          }),
        );
        response.writeHead(200, { 'content-type': ociIndex });
        response.end(self);
        return true;
      };
    });
    expect(await readBundleReferrers(client, image)).toEqual([]);
  });

  test('endless pagination stops at the page limit', async () => {
    const { client, image, peer } = await hostile((image) => (request, response) => {
      if (!request.url?.startsWith(`/v2/app/referrers/${image.digest}`)) return false;
      const page = Number(new URL(request.url, 'http://x').searchParams.get('page') ?? '0');
      response.writeHead(200, {
        'content-type': ociIndex,
        link: `</v2/app/referrers/${image.digest}?page=${page + 1}>; rel="next"`,
      });
      response.end(JSON.stringify({ schemaVersion: 2, mediaType: ociIndex, manifests: [] }));
      return true;
    });
    await expect(readBundleReferrers(client, image)).rejects.toMatchObject({
      name: 'SignError',
      code: 'LIMIT_EXCEEDED',
    });
    expect(peer.requests.filter((r) => r.includes('/referrers/'))).toHaveLength(
      defaultSignatureStorageLimits.maxReferrerPages,
    );
  });

  test('more bundle referrers than the limit are refused before any is fetched', async () => {
    const count = defaultSignatureStorageLimits.maxBundleReferrers + 1;
    const { client, image, peer } = await hostile((image) => {
      const manifests = Array.from({ length: count }, (_, i) =>
        entry({ digest: digestOf(`r${i}`), size: 100 }),
      );
      return serve(
        `/v2/app/manifests/${fallbackTag(image.digest)}`,
        Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: ociIndex, manifests })),
        ociIndex,
      );
    });
    await expect(readBundleReferrers(client, image)).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
    expect(peer.requests.filter((r) => r.includes('/manifests/sha256:'))).toEqual([]);
  });

  test('a huge bundle layer is refused without fetching it', async () => {
    const big = {
      digest: digestOf('big'),
      size: defaultSignatureStorageLimits.maxAttestationLayerBytes + 1,
    };
    let referrer: Buffer = Buffer.alloc(0);
    const { client, image, peer } = await hostile((image) => {
      referrer = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: ociManifest,
          config: {
            mediaType: 'application/vnd.oci.empty.v1+json',
            digest: digestOf('{}'),
            size: 2,
          },
          layers: [{ mediaType: bundleMediaType, ...big }],
          subject: { mediaType: ociManifest, digest: image.digest, size: image.size },
        }),
      );
      return serve(
        `/v2/app/manifests/${fallbackTag(image.digest)}`,
        Buffer.from(
          JSON.stringify({ schemaVersion: 2, mediaType: ociIndex, manifests: [entry(referrer)] }),
        ),
        ociIndex,
      );
    });
    peer.manifests.set(`app@${digestOf(referrer)}`, { bytes: referrer, mediaType: ociManifest });
    await expect(readBundleReferrers(client, image)).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
    expect(peer.requests.filter((r) => r.includes('/blobs/'))).toEqual([]);
  });

  test('a referrers tag holding a plain manifest is SIGNATURE_INVALID', async () => {
    const { client, image } = await hostile((image) =>
      serve(`/v2/app/manifests/${fallbackTag(image.digest)}`, sigManifest([])),
    );
    await expect(readBundleReferrers(client, image)).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });

  test('a referrer with a bundle layer and another layer is SIGNATURE_INVALID, as cosign reads one', async () => {
    const bundle = Buffer.from('{"messageSignature":{}}');
    let referrer: Buffer = Buffer.alloc(0);
    const { client, image, peer } = await hostile((image) => {
      const layers = [
        { mediaType: bundleMediaType, digest: digestOf(bundle), size: bundle.length },
        { mediaType: bundleMediaType, digest: digestOf(bundle), size: bundle.length },
      ];
      referrer = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: ociManifest,
          config: {
            mediaType: 'application/vnd.oci.empty.v1+json',
            digest: digestOf('{}'),
            size: 2,
          },
          layers,
          subject: { mediaType: ociManifest, digest: image.digest, size: image.size },
        }),
      );
      // Listed without artifactType: the manifest itself is looked at.
      const { artifactType: _, ...untyped } = entry(referrer);
      return serve(
        `/v2/app/manifests/${fallbackTag(image.digest)}`,
        Buffer.from(
          JSON.stringify({ schemaVersion: 2, mediaType: ociIndex, manifests: [untyped] }),
        ),
        ociIndex,
      );
    });
    peer.manifests.set(`app@${digestOf(referrer)}`, { bytes: referrer, mediaType: ociManifest });
    peer.blobs.set(digestOf(bundle), bundle);
    await expect(readBundleReferrers(client, image)).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
      message: expect.stringContaining('2 layers') as string,
    });
  });
});
