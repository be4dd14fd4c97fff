/**
 * The OCI conformance suite's content-discovery workflow (distribution-spec v1.1.1,
 * `03_discovery_test.go`), ported: tag listing with `n` and `last`, and the referrers API
 * (artifacts pushed before and after their subject, an index artifact, a subject never pushed,
 * the `artifactType` filter with `OCI-Filters-Applied`).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import {
  annotationKey,
  annotationOf,
  artifactTypeA,
  configs,
  dummyDigest,
  emptyJsonBlob,
  layer,
  manifests,
  refBlobA,
  refBlobB,
  refsConfigArtifactA,
  refsConfigArtifactB,
  refsIndexArtifact,
  refsLayerArtifactA,
  refsLayerArtifactB,
  refsLayerArtifactC,
  subject,
} from './fixtures.js';
import {
  pushBlob,
  pushManifest,
  startTestRegistry,
  testBackends,
  type TestRegistry,
} from './registry-harness.js';

const name = 'conformance/discovery';
const indexType = 'application/vnd.oci.image.index.v1+json';

interface Index {
  manifests: { digest: string; annotations?: Record<string, string>; artifactType?: string }[];
}

describe.each(testBackends)('%s stores', (backend) => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry({}, backend);
  });
  afterAll(async () => {
    await registry.close();
  });

  const tagsOf = async (response: Response): Promise<string[]> =>
    ((await response.json()) as { tags: string[] }).tags;

  describe('setup', () => {
    test('a config, the layer and four tags of one manifest are pushed', async () => {
      expect((await pushBlob(registry, name, configs[2]!)).status).toBe(201);
      expect((await pushBlob(registry, name, layer)).status).toBe(201);
      for (let i = 0; i < 4; i += 1) {
        expect((await pushManifest(registry, name, `test${i}`, manifests[2]!.content)).status).toBe(
          201,
        );
      }
    });

    test('referrers are pushed before and after their subject, each answered with OCI-Subject', async () => {
      expect((await pushBlob(registry, name, emptyJsonBlob)).status).toBe(201);
      expect((await pushBlob(registry, name, refBlobA)).status).toBe(201);
      for (const artifact of [refsConfigArtifactA, refsLayerArtifactA]) {
        const response = await pushManifest(registry, name, artifact.digest, artifact.content);
        expect(response.status).toBe(201);
        expect(response.headers.get('oci-subject')).toBe(subject.digest);
      }
      const index = await pushManifest(
        registry,
        name,
        refsIndexArtifact.digest,
        refsIndexArtifact.content,
        indexType,
      );
      expect(index.status).toBe(201);
      expect(index.headers.get('oci-subject')).toBe(subject.digest);

      expect((await pushBlob(registry, name, configs[4]!)).status).toBe(201);
      expect((await pushBlob(registry, name, layer)).status).toBe(201);
      expect((await pushManifest(registry, name, 'tagtest0', subject.content)).status).toBe(201);

      expect((await pushBlob(registry, name, refBlobB)).status).toBe(201);
      for (const artifact of [refsConfigArtifactB, refsLayerArtifactB]) {
        const response = await pushManifest(registry, name, artifact.digest, artifact.content);
        expect(response.status).toBe(201);
        expect(response.headers.get('oci-subject')).toBe(subject.digest);
      }
      const orphan = await pushManifest(
        registry,
        name,
        refsLayerArtifactC.digest,
        refsLayerArtifactC.content,
      );
      expect(orphan.status).toBe(201);
      expect(orphan.headers.get('oci-subject')).toBe(manifests[3]!.digest);
    });
  });

  describe('listing tags', () => {
    test('the tags list is 200 in lexical order', async () => {
      const response = await registry.request('GET', `/v2/${name}/tags/list`);
      expect(response.status).toBe(200);
      expect(await tagsOf(response)).toEqual(['tagtest0', 'test0', 'test1', 'test2', 'test3']);
    });

    test('n limits the number of tags and a Link header points at the next page', async () => {
      const response = await registry.request('GET', `/v2/${name}/tags/list?n=2`);
      expect(response.status).toBe(200);
      expect(await tagsOf(response)).toEqual(['tagtest0', 'test0']);
      expect(response.headers.get('link')).toBe(
        `</v2/${name}/tags/list?last=test0&n=2>; rel="next"`,
      );
    });

    test('last sets where the list starts', async () => {
      const response = await registry.request('GET', `/v2/${name}/tags/list?n=2&last=test0`);
      expect(response.status).toBe(200);
      expect(await tagsOf(response)).toEqual(['test1', 'test2']);
    });

    test('n=0 is an empty list without a Link header', async () => {
      const response = await registry.request('GET', `/v2/${name}/tags/list?n=0`);
      expect(await tagsOf(response)).toEqual([]);
      expect(response.headers.get('link')).toBeNull();
    });

    test('the last page has no Link header', async () => {
      const response = await registry.request('GET', `/v2/${name}/tags/list?n=2&last=test2`);
      expect(await tagsOf(response)).toEqual(['test3']);
      expect(response.headers.get('link')).toBeNull();
    });
  });

  describe('listing referrers', () => {
    const referrers = (digest: string, query = ''): Promise<Response> =>
      registry.request('GET', `/v2/${name}/referrers/${digest}${query}`);

    test('the referrers of a nonexistent digest are an empty index (200)', async () => {
      const response = await referrers(dummyDigest);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(indexType);
      expect(((await response.json()) as Index).manifests).toEqual([]);
    });

    test('the referrers of the subject are its five artifacts with their annotations', async () => {
      const response = await referrers(subject.digest);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(indexType);
      const index = (await response.json()) as Index;
      expect(index.manifests).toHaveLength(5);
      for (const descriptor of index.manifests) {
        expect(Object.keys(descriptor.annotations ?? {})).toHaveLength(1);
        expect(descriptor.annotations?.[annotationKey]).toBe(annotationOf.get(descriptor.digest));
      }
      const types = new Map(index.manifests.map((d) => [d.digest, d.artifactType]));
      expect(types.get(refsConfigArtifactA.digest)).toBe(artifactTypeA);
      expect(types.get(refsLayerArtifactA.digest)).toBe(artifactTypeA);
      expect(types.get(refsIndexArtifact.digest)).toBe('application/vnd.food.stand');
    });

    test('the artifactType filter keeps two, and says it was applied', async () => {
      const response = await referrers(
        subject.digest,
        `?artifactType=${encodeURIComponent(artifactTypeA)}`,
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('oci-filters-applied')).toBe('artifactType');
      const index = (await response.json()) as Index;
      expect(index.manifests.map((d) => d.digest).sort()).toEqual(
        [refsConfigArtifactA.digest, refsLayerArtifactA.digest].sort(),
      );
      for (const descriptor of index.manifests) {
        expect(descriptor.annotations?.[annotationKey]).toBe(annotationOf.get(descriptor.digest));
      }
    });

    test('the referrers of a subject never pushed list the artifact that names it', async () => {
      const response = await referrers(manifests[3]!.digest);
      expect(response.status).toBe(200);
      const index = (await response.json()) as Index;
      expect(index.manifests.map((d) => d.digest)).toEqual([refsLayerArtifactC.digest]);
    });

    test('a malformed digest is 400', async () => {
      expect((await referrers('sha256:nothex')).status).toBe(400);
    });
  });

  describe('teardown', () => {
    test('every manifest, then every blob, is deleted', async () => {
      const digests = [
        refsIndexArtifact.digest,
        manifests[2]!.digest,
        subject.digest,
        refsConfigArtifactA.digest,
        refsLayerArtifactA.digest,
        refsConfigArtifactB.digest,
        refsLayerArtifactB.digest,
        refsLayerArtifactC.digest,
      ];
      for (const digest of digests) {
        expect((await registry.request('DELETE', `/v2/${name}/manifests/${digest}`)).status).toBe(
          202,
        );
      }
      for (const blob of [configs[2]!, layer, configs[4]!, refBlobA, refBlobB, emptyJsonBlob]) {
        expect((await registry.request('DELETE', `/v2/${name}/blobs/${blob.digest}`)).status).toBe(
          202,
        );
      }
      const after = await registry.request('GET', `/v2/${name}/referrers/${subject.digest}`);
      expect(((await after.json()) as Index).manifests).toEqual([]);
    });
  });
});
