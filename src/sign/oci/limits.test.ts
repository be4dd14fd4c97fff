/** The limits of `limits.ts` that hostile.test.ts does not reach with the defaults. */
import { afterEach, describe, expect, test } from 'vitest';

import {
  seedImage,
  startMemoryRegistry,
  type MemoryRegistry,
} from '../../registry-client/__fixtures__/memory-registry.js';
import { RegistryClient } from '../../registry-client/client.js';
import { sha256Digest } from '../../registry-client/write.js';
import type { RejectedSignature, SignedImage } from '../types.js';
import { readBundleReferrers, writeBundleReferrer } from './bundle-referrers.js';
import { appendLegacy, readLegacy } from './legacy.js';
import { legacyAnnotations, legacyLayerMediaTypes } from './legacy-manifest.js';
import { defaultSignatureStorageLimits, type SignatureStorageLimits } from './limits.js';
import { bundleMediaType } from '../bundle/build.js';

let registry: MemoryRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

async function setUp(): Promise<{ client: RegistryClient; image: SignedImage }> {
  registry = await startMemoryRegistry();
  const digest = seedImage(registry, 'app', 'v1');
  return {
    client: new RegistryClient({ host: registry.host }),
    image: {
      registry: registry.host,
      repository: 'app',
      digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: registry.manifests.get(`app@${digest}`)?.bytes.length ?? 0,
      dockerReference: `${registry.host}/app`,
    },
  };
}

const small = (overrides: Partial<SignatureStorageLimits>): SignatureStorageLimits => ({
  ...defaultSignatureStorageLimits,
  ...overrides,
});

const signature = (n: number) => ({
  mediaType: legacyLayerMediaTypes.signature,
  payload: Buffer.from(`payload ${n} `.repeat(10)),
  annotations: { [legacyAnnotations.signature]: `sig${n}` },
});

describe('signature storage limits', () => {
  test('layers that add up past maxTotalLayerBytes are refused', async () => {
    const { client, image } = await setUp();
    for (const n of [1, 2, 3]) await appendLegacy(client, image, 'signature', signature(n));
    expect(await readLegacy(client, image, 'signature')).toHaveLength(3);
    const limits = small({ maxTotalLayerBytes: 250 });
    await expect(readLegacy(client, image, 'signature', { limits })).rejects.toMatchObject({
      name: 'SignError',
      code: 'LIMIT_EXCEEDED',
    });
  });

  test('attestation layers may be larger than signature layers', async () => {
    const { client, image } = await setUp();
    const big = {
      mediaType: legacyLayerMediaTypes.attestation,
      payload: Buffer.alloc(2000, 0x61),
      annotations: { [legacyAnnotations.signature]: '' },
    };
    await appendLegacy(client, image, 'attestation', big);
    const limits = small({ maxSignatureLayerBytes: 1000, maxAttestationLayerBytes: 4000 });
    expect(await readLegacy(client, image, 'attestation', { limits })).toHaveLength(1);
    await expect(
      readLegacy(client, image, 'attestation', {
        limits: small({ maxAttestationLayerBytes: 1000 }),
      }),
    ).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });

  test('appending past maxLegacyLayers is refused and leaves the tag as it was', async () => {
    const { client, image } = await setUp();
    const limits = small({ maxLegacyLayers: 2 });
    await appendLegacy(client, image, 'signature', signature(1), { limits });
    const second = await appendLegacy(client, image, 'signature', signature(2), { limits });
    await expect(
      appendLegacy(client, image, 'signature', signature(3), { limits }),
    ).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    const found = await readLegacy(client, image, 'signature');
    expect(found.map((f) => f.signature)).toEqual(['sig1', 'sig2']);
    expect(second.appended).toBe(true);
  });

  test('a bundle layer larger than the limit is refused', async () => {
    const { client, image } = await setUp();
    await writeBundleReferrer(client, image, Buffer.from(`{"mediaType":"${bundleMediaType}"}`), {});
    await expect(
      readBundleReferrers(client, image, {
        limits: small({ maxSignatureLayerBytes: 4, maxAttestationLayerBytes: 4 }),
      }),
    ).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(await readBundleReferrers(client, image)).toHaveLength(1);
  });

  test('with onRejected, an unreadable signature is reported and the others are still read', async () => {
    const { client, image } = await setUp();
    await appendLegacy(client, image, 'signature', signature(1));
    await appendLegacy(client, image, 'signature', {
      ...signature(2),
      payload: Buffer.alloc(3000, 0x61),
    });
    await appendLegacy(client, image, 'signature', signature(3));
    const rejected: RejectedSignature[] = [];
    const limits = small({ maxSignatureLayerBytes: 1000 });
    const found = await readLegacy(client, image, 'signature', {
      limits,
      onRejected: (r) => rejected.push(r),
    });
    expect(found.map((f) => f.signature)).toEqual(['sig1', 'sig3']);
    expect(rejected).toEqual([
      {
        format: 'legacy',
        kind: 'signature',
        source: expect.stringMatching(/\.sig layer 2$/) as string,
        reason: expect.stringContaining('more than the limit of 1000') as string,
      },
    ]);
    await expect(readLegacy(client, image, 'signature', { limits })).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
  });

  test('with onRejected, a referrer whose bundle blob is gone is reported, not thrown', async () => {
    const { client, image } = await setUp();
    const bundle = Buffer.from(`{"mediaType":"${bundleMediaType}","gone":true}`);
    const digest = await writeBundleReferrer(client, image, bundle, {
      'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1',
    });
    await writeBundleReferrer(client, image, Buffer.from('{"messageSignature":{}}'), {});
    registry?.blobs.delete(sha256Digest(bundle));
    const rejected: RejectedSignature[] = [];
    const found = await readBundleReferrers(client, image, { onRejected: (r) => rejected.push(r) });
    expect(found).toHaveLength(1);
    expect(rejected).toEqual([
      {
        format: 'bundle',
        kind: 'signature',
        source: `${registry?.host}/app@${digest}`,
        reason: expect.any(String) as string,
      },
    ]);
  });
});
