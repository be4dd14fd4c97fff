import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import {
  pushBlob,
  pushManifest,
  sha256,
  startTestRegistry,
  type TestRegistry,
} from '../../../test/conformance/registry-harness.js';
import type { SignedImage } from '../types.js';
import { appendLegacy, readLegacy } from './legacy.js';
import { legacyAnnotations, legacyLayerMediaTypes } from './legacy-manifest.js';
import { resolveImage, type RegistryAccess } from './resolve.js';
import {
  bundleReferrerAnnotations,
  readBundleReferrers,
  writeBundleReferrer,
} from './bundle-referrers.js';
import { cosignSignPredicateType } from '../payload/intoto.js';
import { bundleMediaType } from '../bundle/build.js';

/** Pushes a one-layer image to `repository:tag` and returns its manifest digest. */
async function pushImage(registry: TestRegistry, repository: string, tag: string): Promise<string> {
  const layer = Buffer.from(`layer of ${repository}`);
  const config = Buffer.from(
    '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}',
  );
  for (const content of [layer, config]) {
    const response = await pushBlob(registry, repository, { content, digest: sha256(content) });
    expect(response.status).toBe(201);
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: sha256(layer),
          size: layer.length,
        },
      ],
    }),
  );
  const response = await pushManifest(registry, repository, tag, manifest);
  expect(response.status).toBe(201);
  return sha256(manifest);
}

const simpleSigning = (image: SignedImage): Buffer =>
  Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': image.dockerReference },
        image: { 'docker-manifest-digest': image.digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );

describe('signature storage in Moat’s registry', () => {
  let registry: TestRegistry;
  let host: string;
  let access: RegistryAccess;
  beforeAll(async () => {
    registry = await startTestRegistry();
    host = new URL(registry.url).host;
    access = { username: 'admin', password: registry.password, env: {} };
  });
  afterAll(async () => {
    await registry.close();
  });

  test('resolveImage turns a tag into the manifest digest, media type and size', async () => {
    const digest = await pushImage(registry, 'sign/resolve', 'v1');
    const { image, byTag } = await resolveImage(`${host}/sign/resolve:v1`, access);
    expect(byTag).toBe(true);
    expect(image).toMatchObject({
      registry: host,
      repository: 'sign/resolve',
      digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      dockerReference: `${host}/sign/resolve`,
    });
    const again = await resolveImage(`${host}/sign/resolve@${digest}`, access);
    expect(again.byTag).toBe(false);
    expect(again.image.size).toBe(image.size);
  });

  test('a legacy signature is written as cosign writes it and read back', async () => {
    await pushImage(registry, 'sign/legacy', 'v1');
    const { client, image } = await resolveImage(`${host}/sign/legacy:v1`, access);
    expect(await readLegacy(client, image, 'signature')).toEqual([]);
    const payload = simpleSigning(image);
    const annotations = { [legacyAnnotations.signature]: 'c2lnbmF0dXJlLTE=' };
    const result = await appendLegacy(client, image, 'signature', {
      mediaType: legacyLayerMediaTypes.signature,
      payload,
      annotations,
    });
    expect(result.appended).toBe(true);
    expect(result.tag).toBe(`${image.digest.replace(':', '-')}.sig`);

    const found = await readLegacy(client, image, 'signature');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      format: 'legacy',
      kind: 'signature',
      source: `${host}/sign/legacy:${result.tag} layer 1`,
      mediaType: legacyLayerMediaTypes.signature,
      signature: 'c2lnbmF0dXJlLTE=',
      annotations,
    });
    expect(found[0]?.payload.equals(payload)).toBe(true);

    const raw = await registry.request('GET', `/v2/sign/legacy/manifests/${result.tag}`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    const manifest = (await raw.json()) as {
      mediaType: string;
      config: { mediaType: string; digest: string };
      layers: { digest: string }[];
    };
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
    const config = await registry.request('GET', `/v2/sign/legacy/blobs/${manifest.config.digest}`);
    expect(await config.text()).toBe(
      `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["${sha256(payload)}"]},"config":{}}`,
    );
  });

  test('appending keeps the first signature and skips an identical one', async () => {
    await pushImage(registry, 'sign/append', 'v1');
    const { client, image } = await resolveImage(`${host}/sign/append:v1`, access);
    const layer = (signature: string) => ({
      mediaType: legacyLayerMediaTypes.signature,
      payload: simpleSigning(image),
      annotations: { [legacyAnnotations.signature]: signature },
    });
    await appendLegacy(client, image, 'signature', layer('Zmlyc3Q='));
    const second = await appendLegacy(client, image, 'signature', layer('c2Vjb25k'));
    expect(second.appended).toBe(true);
    const repeat = await appendLegacy(client, image, 'signature', layer('c2Vjb25k'));
    expect(repeat).toEqual({ ...second, appended: false });
    // cosign's duplicate detector: an existing signature that verifies with the signer's key.
    const verified = await appendLegacy(client, image, 'signature', layer('dGhpcmQ='), {
      isDuplicate: (existing) => existing.signature === 'Zmlyc3Q=',
    });
    expect(verified.appended).toBe(false);
    const found = await readLegacy(client, image, 'signature');
    expect(found.map((f) => f.signature)).toEqual(['Zmlyc3Q=', 'c2Vjb25k']);
    expect(found.map((f) => f.source.endsWith(`layer ${found.indexOf(f) + 1}`))).toEqual([
      true,
      true,
    ]);
  });

  test('attestations go to the .att tag with their keyless annotations', async () => {
    await pushImage(registry, 'sign/attest', 'v1');
    const { client, image } = await resolveImage(`${host}/sign/attest:v1`, access);
    const envelope = Buffer.from(
      '{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}',
    );
    const annotations = {
      [legacyAnnotations.signature]: '',
      [legacyAnnotations.predicateType]: 'https://slsa.dev/provenance/v1',
      [legacyAnnotations.certificate]: '-----BEGIN CERTIFICATE-----\n…',
      [legacyAnnotations.chain]: '',
      [legacyAnnotations.rfc3161Timestamp]: '{"SignedRFC3161Timestamp":"…"}',
    };
    const result = await appendLegacy(client, image, 'attestation', {
      mediaType: legacyLayerMediaTypes.attestation,
      payload: envelope,
      annotations,
    });
    expect(result.tag.endsWith('.att')).toBe(true);
    expect(await readLegacy(client, image, 'signature')).toEqual([]);
    const [found] = await readLegacy(client, image, 'attestation');
    expect(found).toMatchObject({
      kind: 'attestation',
      signature: '',
      certificate: '-----BEGIN CERTIFICATE-----\n…',
      timestamp: '{"SignedRFC3161Timestamp":"…"}',
    });
    expect(found?.chain).toBeUndefined();
  });

  test('a bundle is pushed as an OCI 1.1 referrer and listed through the referrers API', async () => {
    await pushImage(registry, 'sign/bundle', 'v1');
    const { client, image } = await resolveImage(`${host}/sign/bundle:v1`, access);
    expect(await readBundleReferrers(client, image)).toEqual([]);
    const bundle = Buffer.from(`{"mediaType":"${bundleMediaType}","dsseEnvelope":{}}`);
    const annotations = bundleReferrerAnnotations(cosignSignPredicateType, new Date(0));
    const digest = await writeBundleReferrer(client, image, bundle, annotations);
    const attestation = await writeBundleReferrer(
      client,
      image,
      Buffer.from(`{"mediaType":"${bundleMediaType}"}`),
      bundleReferrerAnnotations('https://slsa.dev/provenance/v1', new Date(0)),
    );

    const raw = await registry.request('GET', `/v2/sign/bundle/manifests/${digest}`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(JSON.parse(await raw.text())).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        size: 2,
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        artifactType: bundleMediaType,
      },
      layers: [{ mediaType: bundleMediaType, size: bundle.length, digest: sha256(bundle) }],
      annotations: {
        'dev.sigstore.bundle.content': 'dsse-envelope',
        'dev.sigstore.bundle.predicateType': cosignSignPredicateType,
        'org.opencontainers.image.created': '1970-01-01T00:00:00Z',
      },
      subject: { mediaType: image.mediaType, size: image.size, digest: image.digest },
      artifactType: bundleMediaType,
    });

    const found = await readBundleReferrers(client, image);
    const byDigest = new Map(found.map((f) => [f.source.split('@')[1], f]));
    expect(byDigest.get(digest)).toMatchObject({
      format: 'bundle',
      kind: 'signature',
      annotations,
    });
    expect(byDigest.get(digest)?.bundle.equals(bundle)).toBe(true);
    expect(byDigest.get(attestation)?.kind).toBe('attestation');
    expect(found).toHaveLength(2);
    // The registry indexed the subject itself: no tag-schema index was written.
    const fallback = await registry.request(
      'GET',
      `/v2/sign/bundle/manifests/${image.digest.replace(':', '-')}`,
    );
    expect(fallback.status).toBe(404);
  });
});
