import { afterEach, describe, expect, test } from 'vitest';

import { RegistryClient } from '../../registry-client/client.js';
import type { SignedImage } from '../types.js';
import {
  startMemoryRegistry,
  seedImage,
  type MemoryRegistry,
} from '../../registry-client/__fixtures__/memory-registry.js';
import {
  bundleReferrerAnnotations,
  readBundleReferrers,
  writeBundleReferrer,
} from './bundle-referrers.js';
import { cosignSignPredicateType } from '../payload/intoto.js';
import { fallbackTag } from './fallback-index.js';
import { appendLegacy, readLegacy } from './legacy.js';
import { legacyAnnotations, legacyLayerMediaTypes } from './legacy-manifest.js';
import { bundleMediaType } from '../bundle/build.js';

let registry: MemoryRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

function imageIn(peer: MemoryRegistry, name: string): SignedImage {
  const digest = seedImage(peer, name, 'v1');
  const bytes = peer.manifests.get(`${name}@${digest}`)?.bytes ?? Buffer.alloc(0);
  return {
    registry: peer.host,
    repository: name,
    digest,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: bytes.length,
    dockerReference: `${peer.host}/${name}`,
  };
}

const bundle = (n: number): Buffer => Buffer.from(`{"mediaType":"${bundleMediaType}","n":${n}}`);

describe('a registry without the referrers API', () => {
  test('bundles are listed in the sha256-<hex> tag-schema index and read back from it', async () => {
    registry = await startMemoryRegistry({ referrers: false });
    const client = new RegistryClient({ host: registry.host });
    const image = imageIn(registry, 'app');
    expect(await readBundleReferrers(client, image)).toEqual([]);
    const annotations = bundleReferrerAnnotations(cosignSignPredicateType, new Date(0));
    const first = await writeBundleReferrer(client, image, bundle(1), annotations);
    const second = await writeBundleReferrer(
      client,
      image,
      bundle(2),
      bundleReferrerAnnotations('https://spdx.dev/Document', new Date(0)),
    );

    const index = registry.manifests.get(`app:${fallbackTag(image.digest)}`);
    expect(index?.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const parsed = JSON.parse(index?.bytes.toString() ?? '{}') as { manifests: unknown[] };
    expect(parsed.manifests).toEqual([
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: expect.any(Number) as number,
        digest: first,
        annotations,
        artifactType: bundleMediaType,
      },
      expect.objectContaining({ digest: second }),
    ]);

    const found = await readBundleReferrers(client, image);
    expect(found.map((f) => [f.source, f.kind, f.bundle.toString()])).toEqual([
      [`${registry.host}/app@${first}`, 'signature', bundle(1).toString()],
      [`${registry.host}/app@${second}`, 'attestation', bundle(2).toString()],
    ]);
  });

  test('pushing the same bundle twice lists it once', async () => {
    registry = await startMemoryRegistry();
    const client = new RegistryClient({ host: registry.host });
    const image = imageIn(registry, 'app');
    const annotations = bundleReferrerAnnotations(cosignSignPredicateType, new Date(0));
    await writeBundleReferrer(client, image, bundle(1), annotations);
    await writeBundleReferrer(client, image, bundle(1), annotations);
    const index = registry.manifests.get(`app:${fallbackTag(image.digest)}`);
    expect(
      (JSON.parse(index?.bytes.toString() ?? '{}') as { manifests: unknown[] }).manifests,
    ).toHaveLength(1);
    expect(await readBundleReferrers(client, image)).toHaveLength(1);
  });

  test('a bundle without a predicate-type annotation is classified from its content', async () => {
    registry = await startMemoryRegistry({ referrers: true });
    const client = new RegistryClient({ host: registry.host });
    const image = imageIn(registry, 'app');
    const statement = (predicateType: string): string =>
      Buffer.from(
        JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', predicateType }),
      ).toString('base64');
    const dsse = (predicateType: string): Buffer =>
      Buffer.from(
        JSON.stringify({
          mediaType: bundleMediaType,
          dsseEnvelope: { payload: statement(predicateType) },
        }),
      );
    await writeBundleReferrer(client, image, dsse(cosignSignPredicateType), {});
    await writeBundleReferrer(client, image, dsse('https://slsa.dev/provenance/v1'), {});
    await writeBundleReferrer(client, image, Buffer.from('{"messageSignature":{}}'), {});
    const kinds = (await readBundleReferrers(client, image)).map((f) => f.kind).sort();
    expect(kinds).toEqual(['attestation', 'signature', 'signature']);
    // No OCI-Subject answer: the client cannot tell the registry indexed it, so (spec) it keeps
    // the tag-schema index too.
    expect(registry.manifests.has(`app:${fallbackTag(image.digest)}`)).toBe(true);
  });
});

describe('writes', () => {
  test('ask for push scope, follow absolute upload Locations and keep legacy signatures', async () => {
    registry = await startMemoryRegistry({ bearer: true, absoluteLocations: true });
    const client = new RegistryClient({
      host: registry.host,
      credentials: { username: 'u', password: 'p' },
    });
    const image = imageIn(registry, 'team/app');
    const layer = {
      mediaType: legacyLayerMediaTypes.signature,
      payload: Buffer.from('{"critical":{}}'),
      annotations: { [legacyAnnotations.signature]: 'c2ln' },
    };
    await appendLegacy(client, image, 'signature', layer);
    expect(registry.scopes).toContain('repository:team/app:pull,push');
    const found = await readLegacy(client, image, 'signature');
    expect(found.map((f) => f.signature)).toEqual(['c2ln']);
  });
});
