/** Contract: GC candidates, the collector's claim, and its race with a manifest push. */
import { describe, expect, it } from 'vitest';

import {
  blobRef,
  clockPast,
  freshStorePerTest,
  future,
  manifestRecord,
  manifestRef,
  pushBlob,
  pushImage,
  randomDigest,
  type OpenMetadataStore,
} from './fixtures.js';

const old = new Date(1_000_000);

/** GC: which blobs and manifests are candidates, claims, finishing, and the push race. */
export function gcContract(open: OpenMetadataStore): void {
  describe('garbage-collection candidates', () => {
    const meta = freshStorePerTest(open);

    it('offers unreferenced blobs untouched since the cutoff, pending ones included', async () => {
      const image = await pushImage(meta(), 'app', 'v1');
      const loose = await pushBlob(meta(), 'app', 77);
      const pending = randomDigest();
      await meta().beginBlob(pending, 60_000);
      const { blobs, manifests } = await meta().gcCandidates({
        touchedBefore: future(),
        untagged: false,
      });
      expect(blobs.map((b) => b.digest).sort()).toEqual([loose.digest, pending].sort());
      expect(blobs.find((b) => b.digest === loose.digest)?.size).toBe(77);
      expect(manifests).toEqual([]);
      for (const ref of image.references)
        expect(blobs.map((b) => b.digest)).not.toContain(ref.digest);
    });

    it('offers no blob touched after the cutoff', async () => {
      const before = new Date(Date.now() - 1);
      await pushBlob(meta(), 'app');
      expect((await meta().gcCandidates({ touchedBefore: before, untagged: false })).blobs).toEqual(
        [],
      );
    });

    it('offers the blobs of a deleted manifest', async () => {
      const image = await pushImage(meta(), 'app', 'v1');
      await meta().deleteManifest('app', image.digest);
      const { blobs } = await meta().gcCandidates({ touchedBefore: future(), untagged: false });
      expect(blobs.map((b) => b.digest).sort()).toEqual(
        image.references.map((r) => r.digest).sort(),
      );
    });

    it('keeps a blob another repository still references', async () => {
      const image = await pushImage(meta(), 'a', 'v1');
      for (const ref of image.references)
        await meta().putBlob('b', { digest: ref.digest, size: 1234 });
      const copy = { ...image, repository: 'b' };
      expect(await meta().putManifest(copy, 'v1')).toEqual({ missing: [] });
      await meta().deleteManifest('a', image.digest);
      expect(
        (await meta().gcCandidates({ touchedBefore: future(), untagged: false })).blobs,
      ).toEqual([]);
    });

    it('offers untagged manifests nothing keeps, and keeps children, referrers and new ones', async () => {
      const tagged = await pushImage(meta(), 'app', 'v1', { createdAt: old });
      const signature = await pushImage(meta(), 'app', undefined, {
        subject: tagged.digest,
        createdAt: old,
      });
      const signatureOfSignature = await pushImage(meta(), 'app', undefined, {
        subject: signature.digest,
        createdAt: old,
      });
      const child = await pushImage(meta(), 'app', undefined, { createdAt: old });
      const childSbom = await pushImage(meta(), 'app', undefined, {
        subject: child.digest,
        createdAt: old,
      });
      const index = manifestRecord('app', [manifestRef(child)], {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        createdAt: old,
      });
      expect(await meta().putManifest(index, 'multi')).toEqual({ missing: [] });
      const orphan = await pushImage(meta(), 'app', undefined, { createdAt: old });
      const orphanSignature = await pushImage(meta(), 'app', undefined, {
        subject: orphan.digest,
        createdAt: old,
      });
      // The orphan, tagged in another repository, is kept there, not here.
      for (const ref of orphan.references)
        await meta().putBlob('other', { digest: ref.digest, size: 1234 });
      expect(await meta().putManifest({ ...orphan, repository: 'other' }, 'v1')).toEqual({
        missing: [],
      });
      const elsewhere = await pushImage(meta(), 'other', undefined, { createdAt: old });

      // Manifests created from here on are newer than the cutoff.
      const cutoff = new Date();
      const fresh = await pushImage(meta(), 'app', undefined);
      const freshChild = await pushImage(meta(), 'app', undefined, { createdAt: old });
      const freshIndex = manifestRecord('app', [manifestRef(freshChild)], {
        mediaType: 'application/vnd.oci.image.index.v1+json',
      });
      expect(await meta().putManifest(freshIndex)).toEqual({ missing: [] });

      const { manifests } = await meta().gcCandidates({ touchedBefore: cutoff, untagged: true });
      const digests = manifests.map((m) => `${m.repository}@${m.digest}`).sort();
      expect(digests).toEqual(
        [
          `app@${orphan.digest}`,
          `app@${orphanSignature.digest}`,
          `other@${elsewhere.digest}`,
        ].sort(),
      );
      for (const kept of [
        tagged,
        signature,
        signatureOfSignature,
        child,
        childSbom,
        index,
        fresh,
      ]) {
        expect(digests).not.toContain(`app@${kept.digest}`);
      }
      expect(digests).not.toContain(`app@${freshChild.digest}`);
      expect(
        (await meta().gcCandidates({ touchedBefore: cutoff, untagged: false })).manifests,
      ).toEqual([]);
    });
  });

  describe('claiming a blob for deletion', () => {
    const meta = freshStorePerTest(open);

    it('claims an unreferenced old blob, hides it, and finishes its deletion', async () => {
      const blob = await pushBlob(meta(), 'app');
      expect(await meta().claimBlobForDeletion(blob.digest, future())).toBe(true);
      expect(await meta().getBlob('app', blob.digest)).toBeUndefined();
      expect(await meta().getBlobAnywhere(blob.digest)).toBeUndefined();
      // A claim a dead collector left is offered and claimed again by the next pass.
      const { blobs } = await meta().gcCandidates({ touchedBefore: future(), untagged: false });
      expect(blobs.map((b) => b.digest)).toEqual([blob.digest]);
      expect(await meta().claimBlobForDeletion(blob.digest, future())).toBe(true);
      await meta().finishBlobDeletion(blob.digest);
      expect(await meta().listRepositories({})).toEqual([]);
      expect(
        (await meta().gcCandidates({ touchedBefore: future(), untagged: false })).blobs,
      ).toEqual([]);
      expect(await meta().claimBlobForDeletion(blob.digest, future())).toBe(false);
      expect(await meta().beginBlob(blob.digest, 60_000)).toBe('ok');
    });

    it('never claims a referenced blob, a blob touched since the cutoff, or an unknown one', async () => {
      const image = await pushImage(meta(), 'app', 'v1');
      const [first] = image.references;
      if (!first) throw new Error('image without references');
      expect(await meta().claimBlobForDeletion(first.digest, future())).toBe(false);
      const cutoff = new Date(Date.now() - 1);
      const recent = await pushBlob(meta(), 'app');
      expect(await meta().claimBlobForDeletion(recent.digest, cutoff)).toBe(false);
      expect(await meta().claimBlobForDeletion(randomDigest(), future())).toBe(false);
    });

    it('finishes nothing for a blob that is not claimed', async () => {
      const blob = await pushBlob(meta(), 'app');
      await meta().finishBlobDeletion(blob.digest);
      expect(await meta().getBlob('app', blob.digest)).toEqual(blob);
      await meta().finishBlobDeletion(randomDigest());
    });

    it('a manifest push touches its blobs: no claim with a cutoff before the push', async () => {
      const blob = await pushBlob(meta(), 'app');
      const beforePush = new Date(Date.now());
      const record = manifestRecord('app', [blobRef(blob)]);
      await meta().putManifest(record);
      await meta().deleteManifest('app', record.digest);
      expect(await meta().claimBlobForDeletion(blob.digest, beforePush)).toBe(false);
    });

    it('orders a claim and a concurrent push: never both succeed', async () => {
      const rounds = 40;
      const blobs = [];
      for (let i = 0; i < rounds; i++) blobs.push(await pushBlob(meta(), 'app'));
      // Every blob was touched before the cutoff; every push touches after it.
      const cutoff = Date.now() + 1;
      await clockPast(cutoff);
      const outcomes = await Promise.all(
        blobs.map(async (blob, i) => {
          const record = manifestRecord('app', [blobRef(blob)]);
          // Alternate which of the two is issued first.
          const claimFirst = i % 2 === 1;
          const claim = claimFirst
            ? meta().claimBlobForDeletion(blob.digest, new Date(cutoff))
            : undefined;
          const push = meta().putManifest(record, `t${i}`);
          const [pushed, claimed] = await Promise.all([
            push,
            claim ?? meta().claimBlobForDeletion(blob.digest, new Date(cutoff)),
          ]);
          return { pushed, claimed };
        }),
      );
      for (const { pushed, claimed } of outcomes) {
        // Either the push won (the blob stays) or the claim won (the push reported it missing).
        expect(claimed ? pushed.missing.length === 1 : pushed.missing.length === 0).toBe(true);
      }
    });

    it('orders a claim and a concurrent upload commit: never both succeed', async () => {
      const rounds = 40;
      const blobs = [];
      for (let i = 0; i < rounds; i++) blobs.push(await pushBlob(meta(), 'app'));
      const cutoff = Date.now() + 1;
      await clockPast(cutoff);
      const outcomes = await Promise.all(
        blobs.map(async (blob, i) => {
          const claimFirst = i % 2 === 1;
          const claim = claimFirst
            ? meta().claimBlobForDeletion(blob.digest, new Date(cutoff))
            : undefined;
          const begin = meta().beginBlob(blob.digest, 60_000);
          const [begun, claimed] = await Promise.all([
            begin,
            claim ?? meta().claimBlobForDeletion(blob.digest, new Date(cutoff)),
          ]);
          return { begun, claimed };
        }),
      );
      for (const { begun, claimed } of outcomes) {
        expect(claimed ? begun === 'busy' : begun === 'ok').toBe(true);
      }
    });

    it('checks every reference of a manifest with more references than one query binds', async () => {
      const blobs = [];
      for (let i = 0; i < 520; i++) blobs.push(await pushBlob(meta(), 'app'));
      const unknown = randomDigest();
      const refs = blobs.map(blobRef);
      const refused = manifestRecord('app', [...refs, { digest: unknown, kind: 'blob' }]);
      expect(await meta().putManifest(refused)).toEqual({
        missing: [{ digest: unknown, kind: 'blob' }],
      });
      const record = manifestRecord('app', refs);
      expect(await meta().putManifest(record)).toEqual({ missing: [] });
      expect((await meta().getManifest('app', record.digest))?.references).toHaveLength(520);
      expect(
        (await meta().gcCandidates({ touchedBefore: future(), untagged: false })).blobs,
      ).toEqual([]);
    });
  });

  describe('deleting an untagged manifest', () => {
    const meta = freshStorePerTest(open);

    it('deletes an untagged manifest and nothing that keeps one', async () => {
      const loose = await pushImage(meta(), 'app');
      const tagged = await pushImage(meta(), 'app', 'v1');
      const child = await pushImage(meta(), 'app');
      const index = manifestRecord('app', [manifestRef(child)]);
      expect(await meta().putManifest(index, 'multi')).toEqual({ missing: [] });
      const referrer = manifestRecord('app', [], { subject: tagged.digest });
      expect(await meta().putManifest(referrer)).toEqual({ missing: [] });

      expect(await meta().deleteUntaggedManifest('app', tagged.digest)).toBe(false);
      expect(await meta().deleteUntaggedManifest('app', child.digest)).toBe(false);
      expect(await meta().deleteUntaggedManifest('app', referrer.digest)).toBe(false);
      expect(await meta().deleteUntaggedManifest('app', loose.digest)).toBe(true);
      expect(await meta().getManifest('app', loose.digest)).toBeUndefined();
      expect(await meta().deleteUntaggedManifest('app', loose.digest)).toBe(false);
    });

    it('orders the deletion and a concurrent tag: a tag never points at a deleted manifest', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const image = await pushImage(meta(), 'race');
          const record = (await meta().getManifest('race', image.digest))!;
          const [deleted, pushed] = await Promise.all([
            meta().deleteUntaggedManifest('race', image.digest),
            meta().putManifest(record, `t${i}`),
          ]);
          return { image, deleted, pushed, tag: `t${i}` };
        }),
      );
      for (const { image, pushed, tag } of outcomes) {
        expect(pushed).toEqual({ missing: [] });
        expect(await meta().resolveTag('race', tag)).toBe(image.digest);
        expect(await meta().getManifest('race', image.digest)).toBeDefined();
      }
    });
  });
}
