/**
 * Signature storage against CNCF Distribution 2.8 (Debian's `docker-registry`), which has no
 * referrers API: legacy `.sig`/`.att` tags, and bundles found through the `sha256-<hex>`
 * tag-schema index. Behind Docker token auth, so every write must have asked for push scope.
 */
import { createHash } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { RegistryClient } from '../../src/registry-client/client.js';
import { putManifest, uploadBlob } from '../../src/registry-client/write.js';
import {
  appendLegacy,
  bundleReferrerAnnotations,
  fallbackTag,
  legacyAnnotations,
  legacyLayerMediaTypes,
  readBundleReferrers,
  readLegacy,
  resolveImage,
  writeBundleReferrer,
} from '../../src/sign/oci/index.js';
import {
  startRegistry,
  startTokenServer,
  type TestRegistry,
  type TokenServer,
} from './registry-harness.js';
import { requireTools } from './require-tools.js';
import { bundleMediaType } from '../../src/sign/bundle/build.js';
import { cosignSignPredicateType } from '../../src/sign/payload/intoto.js';

requireTools(['docker-registry', 'openssl']);

const credentials = { username: 'signer', password: 'signer-password' };
const sha256 = (bytes: Buffer): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('signature storage in Distribution 2.8 (no referrers API)', () => {
  let tokens: TokenServer;
  let registry: TestRegistry;
  beforeAll(async () => {
    tokens = await startTokenServer(credentials);
    registry = await startRegistry({ kind: 'token', tokenServer: tokens });
    const client = new RegistryClient({ host: registry.host, credentials });
    const layer = Buffer.from('layer');
    const config = Buffer.from(
      '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}',
    );
    await uploadBlob(client, 'e2e/app', layer);
    await uploadBlob(client, 'e2e/app', config);
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
    await putManifest(
      client,
      'e2e/app',
      'v1',
      'application/vnd.oci.image.manifest.v1+json',
      manifest,
    );
  });
  afterAll(async () => {
    await registry.stop();
    await tokens.stop();
  });

  test('legacy signatures are appended under the .sig tag and read back', async () => {
    const { client, image } = await resolveImage(`${registry.host}/e2e/app:v1`, credentials);
    const layer = (signature: string) => ({
      mediaType: legacyLayerMediaTypes.signature,
      payload: Buffer.from(`{"critical":{"image":{"docker-manifest-digest":"${image.digest}"}}}`),
      annotations: { [legacyAnnotations.signature]: signature },
    });
    await appendLegacy(client, image, 'signature', layer('b25l'));
    await appendLegacy(client, image, 'signature', layer('dHdv'));
    const found = await readLegacy(client, image, 'signature');
    expect(found.map((f) => f.signature)).toEqual(['b25l', 'dHdv']);
    const scopes = tokens.requests.flatMap((url) => url.searchParams.getAll('scope'));
    expect(scopes).toContain('repository:e2e/app:pull,push');
  });

  test('bundles are found through the tag-schema index', async () => {
    const { client, image } = await resolveImage(`${registry.host}/e2e/app:v1`, credentials);
    const bundle = Buffer.from(`{"mediaType":"${bundleMediaType}"}`);
    const digest = await writeBundleReferrer(
      client,
      image,
      bundle,
      bundleReferrerAnnotations(cosignSignPredicateType, new Date(0)),
    );
    const index = await client.getManifest('e2e/app', fallbackTag(image.digest));
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const found = await readBundleReferrers(client, image);
    expect(found.map((f) => [f.source, f.kind])).toEqual([
      [`${registry.host}/e2e/app@${digest}`, 'signature'],
    ]);
    expect(found[0]?.bundle.equals(bundle)).toBe(true);
  });
});
