import { describe, expect, it } from 'vitest';

import type { ManifestRecord } from '../store/types.js';
import { defaultLimits } from '../util/limits.js';
import { classifyManifest, maxIndexPlatforms } from './scan-image.js';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
const ociIndex = 'application/vnd.oci.image.index.v1+json';

function record(document: object, extra: Partial<ManifestRecord> = {}): ManifestRecord {
  const content = Buffer.from(JSON.stringify(document));
  return {
    repository: 'team/app',
    digest: digest(999),
    mediaType: (document as { mediaType: string }).mediaType,
    content,
    size: content.length,
    references: [],
    createdAt: new Date(),
    ...extra,
  };
}

const image = (
  layerType = 'application/vnd.oci.image.layer.v1.tar+gzip',
  configType = 'application/vnd.oci.image.config.v1+json',
) => ({
  schemaVersion: 2,
  mediaType: ociManifest,
  config: { mediaType: configType, digest: digest(1), size: 10 },
  layers: [{ mediaType: layerType, digest: digest(2), size: 10 }],
});

const entry = (n: number, platform: object, annotations?: Record<string, string>) => ({
  mediaType: ociManifest,
  digest: digest(n),
  size: 10,
  platform,
  ...(annotations ? { annotations } : {}),
});

describe('classifyManifest', () => {
  it('scans an image by its content, whatever artifactType or subject it declares', () => {
    expect(classifyManifest(record(image()), defaultLimits)).toEqual({ kind: 'image' });
    expect(
      classifyManifest(
        record(image(), { artifactType: 'application/x-innocent', subject: digest(5) }),
        defaultLimits,
      ),
    ).toEqual({ kind: 'image' });
    expect(
      classifyManifest(
        record(
          image(
            'application/vnd.docker.image.rootfs.diff.tar.gzip',
            'application/vnd.docker.container.image.v1+json',
          ),
        ),
        defaultLimits,
      ),
    ).toEqual({ kind: 'image' });
  });

  it('leaves signatures, attestations and other artefacts alone', () => {
    const legacySig = classifyManifest(
      record(image('application/vnd.dev.cosign.simplesigning.v1+json')),
      defaultLimits,
    );
    expect(legacySig).toMatchObject({ kind: 'not_applicable' });
    const bundle = classifyManifest(
      record(
        image('application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.oci.empty.v1+json'),
        {
          artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
          subject: digest(7),
        },
      ),
      defaultLimits,
    );
    expect(bundle).toEqual({
      kind: 'not_applicable',
      reason: `an artefact of type application/vnd.dev.sigstore.bundle.v0.3+json, a referrer of ${digest(7)}`,
    });
  });

  it('lists the platform images of an index, without attestation manifests', () => {
    const kind = classifyManifest(
      record({
        schemaVersion: 2,
        mediaType: ociIndex,
        manifests: [
          entry(1, { os: 'linux', architecture: 'amd64' }),
          entry(2, { os: 'linux', architecture: 'arm64', variant: 'v8' }),
          entry(
            3,
            { os: 'unknown', architecture: 'unknown' },
            {
              'vnd.docker.reference.type': 'attestation-manifest',
            },
          ),
        ],
      }),
      defaultLimits,
    );
    expect(kind).toEqual({
      kind: 'index',
      children: [
        { digest: digest(1), platform: { os: 'linux', architecture: 'amd64' } },
        { digest: digest(2), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
    });
  });

  it('refuses an index naming too many platform images, and documents that do not parse', () => {
    const many = record({
      schemaVersion: 2,
      mediaType: ociIndex,
      manifests: Array.from({ length: maxIndexPlatforms + 1 }, (_, i) =>
        entry(i + 1, { os: 'linux', architecture: `arch${i}` }),
      ),
    });
    expect(() => classifyManifest(many, defaultLimits)).toThrow(/more than the limit of 64/);
    const broken = {
      ...record(image()),
      content: Buffer.from('{"schemaVersion": 2, "layers": 7}'),
    };
    expect(() => classifyManifest(broken, defaultLimits)).toThrow();
    const huge = record(image());
    expect(() => classifyManifest(huge, { ...defaultLimits, maxJsonBytes: 16 })).toThrow();
  });
});
