/** Contract: storing, reading, tagging and deleting manifests; references that must exist. */
import { describe, expect, it } from 'vitest';

import {
  blobRef,
  freshStorePerTest,
  manifestRecord,
  manifestRef,
  pushBlob,
  pushImage,
  randomDigest,
  type OpenMetadataStore,
} from './fixtures.js';

/** Manifests: put/get round trip, missing references, idempotency, tags, deletion. */
export function manifestContract(open: OpenMetadataStore): void {
  describe('manifests', () => {
    const meta = freshStorePerTest(open);

    it('returns a stored manifest byte for byte with everything it was given', async () => {
      const config = await pushBlob(meta(), 'team/app');
      const layer = await pushBlob(meta(), 'team/app');
      const subject = randomDigest();
      const record = manifestRecord('team/app', [blobRef(config), blobRef(layer)], {
        artifactType: 'application/vnd.example+json',
        subject,
        annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
        createdAt: new Date(1_700_000_000_123),
      });
      record.content = Buffer.concat([record.content, Buffer.from([0, 0xff, 0x80, 0x0a])]);
      record.size = record.content.length;
      expect(await meta().putManifest(record)).toEqual({ missing: [] });
      const stored = await meta().getManifest('team/app', record.digest);
      expect(stored).toBeDefined();
      expect(stored?.content.equals(record.content)).toBe(true);
      expect({ ...stored, content: undefined, references: undefined }).toEqual({
        ...record,
        content: undefined,
        references: undefined,
      });
      expect(sortRefs(stored?.references ?? [])).toEqual(sortRefs(record.references));
    });

    it('leaves out optional fields the manifest did not have', async () => {
      const record = await pushImage(meta(), 'app');
      const stored = await meta().getManifest('app', record.digest);
      expect(stored).not.toHaveProperty('artifactType');
      expect(stored).not.toHaveProperty('subject');
      expect(stored).not.toHaveProperty('annotations');
    });

    it('knows a manifest only in its own repository', async () => {
      const record = await pushImage(meta(), 'app');
      expect(await meta().getManifest('other', record.digest)).toBeUndefined();
      expect(await meta().getManifest('app', randomDigest())).toBeUndefined();
    });

    it('refuses a manifest naming an unknown blob, returns it as missing and stores nothing', async () => {
      const config = await pushBlob(meta(), 'app');
      const unknown = randomDigest();
      const record = manifestRecord('fresh', [blobRef(config), { digest: unknown, kind: 'blob' }]);
      const { missing } = await meta().putManifest(record, 'latest');
      // `config` is linked to `app`, not to `fresh`: missing too.
      expect(sortRefs(missing)).toEqual(
        sortRefs([blobRef(config), { digest: unknown, kind: 'blob' }]),
      );
      expect(await meta().getManifest('fresh', record.digest)).toBeUndefined();
      expect(await meta().resolveTag('fresh', 'latest')).toBeUndefined();
      expect(await meta().listRepositories({})).toEqual(['app']);
    });

    it('refuses a blob that is pending or claimed by a collector', async () => {
      const pending = randomDigest();
      await meta().beginBlob(pending, 60_000);
      const claimed = await pushBlob(meta(), 'app');
      expect(await meta().claimBlobForDeletion(claimed.digest, new Date(Date.now() + 60_000))).toBe(
        true,
      );
      const record = manifestRecord('app', [{ digest: pending, kind: 'blob' }, blobRef(claimed)]);
      const { missing } = await meta().putManifest(record);
      expect(sortRefs(missing)).toEqual(
        sortRefs([{ digest: pending, kind: 'blob' }, blobRef(claimed)]),
      );
    });

    it('refuses an index whose child manifest is not in the repository', async () => {
      const child = await pushImage(meta(), 'other');
      const index = manifestRecord('app', [manifestRef(child)], {
        mediaType: 'application/vnd.oci.image.index.v1+json',
      });
      expect(await meta().putManifest(index)).toEqual({ missing: [manifestRef(child)] });
      const local = await pushImage(meta(), 'app');
      const good = manifestRecord('app', [manifestRef(local)], {
        mediaType: 'application/vnd.oci.image.index.v1+json',
      });
      expect(await meta().putManifest(good, 'multi')).toEqual({ missing: [] });
      expect(await meta().resolveTag('app', 'multi')).toBe(good.digest);
    });

    it('stores the same manifest twice as once', async () => {
      const record = await pushImage(meta(), 'app', 'v1');
      expect(await meta().putManifest(record, 'v1')).toEqual({ missing: [] });
      expect(await meta().putManifest(record)).toEqual({ missing: [] });
      const stored = await meta().getManifest('app', record.digest);
      expect(stored?.references).toHaveLength(2);
      expect(await meta().listTags('app', {})).toEqual(['v1']);
    });

    it('accepts a manifest that names the same blob twice', async () => {
      const blob = await pushBlob(meta(), 'app');
      const record = manifestRecord('app', [blobRef(blob), blobRef(blob)]);
      expect(await meta().putManifest(record)).toEqual({ missing: [] });
      expect((await meta().getManifest('app', record.digest))?.references).toEqual([blobRef(blob)]);
    });

    it('moves a tag to the manifest put last, keeping the first manifest', async () => {
      const first = await pushImage(meta(), 'app', 'latest');
      expect(await meta().resolveTag('app', 'latest')).toBe(first.digest);
      const second = await pushImage(meta(), 'app', 'latest');
      expect(await meta().resolveTag('app', 'latest')).toBe(second.digest);
      expect(await meta().getManifest('app', first.digest)).toBeDefined();
      expect(await meta().resolveTag('other', 'latest')).toBeUndefined();
    });

    it('deletes a manifest by digest with every tag pointing at it, keeping its blobs', async () => {
      const record = await pushImage(meta(), 'app', 'v1');
      await meta().putManifest(record, 'stable');
      const other = await pushImage(meta(), 'app', 'v2');
      expect(await meta().deleteManifest('app', record.digest)).toBe(true);
      expect(await meta().deleteManifest('app', record.digest)).toBe(false);
      expect(await meta().getManifest('app', record.digest)).toBeUndefined();
      expect(await meta().resolveTag('app', 'v1')).toBeUndefined();
      expect(await meta().listTags('app', {})).toEqual(['v2']);
      expect(await meta().resolveTag('app', 'v2')).toBe(other.digest);
      for (const ref of record.references) {
        expect(await meta().getBlob('app', ref.digest)).toBeDefined();
      }
    });

    it('deletes a tag and keeps its manifest', async () => {
      const record = await pushImage(meta(), 'app', 'v1');
      expect(await meta().deleteTag('app', 'v1')).toBe(true);
      expect(await meta().deleteTag('app', 'v1')).toBe(false);
      expect(await meta().resolveTag('app', 'v1')).toBeUndefined();
      expect(await meta().getManifest('app', record.digest)).toBeDefined();
    });

    it('puts the same manifest from many callers at once', async () => {
      const config = await pushBlob(meta(), 'app');
      const record = manifestRecord('app', [blobRef(config)]);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => meta().putManifest(record, `t${i % 3}`)),
      );
      expect(results.every((r) => r.missing.length === 0)).toBe(true);
      expect(await meta().listTags('app', {})).toEqual(['t0', 't1', 't2']);
    });
  });
}

function sortRefs<T extends { digest: string }>(refs: T[]): T[] {
  return [...refs].sort((a, b) => a.digest.localeCompare(b.digest));
}
