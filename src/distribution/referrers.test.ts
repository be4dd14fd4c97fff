import { describe, expect, test } from 'vitest';

import type { ManifestRecord } from '../store/types.js';
import { buildReferrersIndex } from './referrers.js';

function record(
  digestChar: string,
  createdAt: number,
  extra: Partial<ManifestRecord> = {},
): ManifestRecord {
  return {
    repository: 'team/app',
    digest: `sha256:${digestChar.repeat(64)}`,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    content: Buffer.from('{}'),
    size: 2,
    references: [],
    createdAt: new Date(createdAt),
    ...extra,
  };
}

describe('the referrers index', () => {
  test('no referrers make an empty OCI index', () => {
    expect(buildReferrersIndex([])).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [],
    });
  });

  test('each referrer is a descriptor with its artifactType and annotations, oldest first', () => {
    const index = buildReferrersIndex([
      record('b', 2000, { artifactType: 'application/vnd.b', annotations: { k: 'b' } }),
      record('a', 1000, { artifactType: 'application/vnd.a', annotations: { k: 'a' } }),
    ]);
    expect(index.manifests).toEqual([
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${'a'.repeat(64)}`,
        size: 2,
        artifactType: 'application/vnd.a',
        annotations: { k: 'a' },
      },
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${'b'.repeat(64)}`,
        size: 2,
        artifactType: 'application/vnd.b',
        annotations: { k: 'b' },
      },
    ]);
  });

  test('an index without artifactType has none in its descriptor', () => {
    const index = buildReferrersIndex([
      record('c', 0, { mediaType: 'application/vnd.oci.image.index.v1+json' }),
    ]);
    expect(index.manifests[0]).not.toHaveProperty('artifactType');
    expect(index.manifests[0]).not.toHaveProperty('annotations');
  });
});
