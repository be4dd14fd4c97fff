/** Contract: blob records, their states and their links to repositories. */
import { describe, expect, it } from 'vitest';

import { freshStorePerTest, pushBlob, randomDigest, type OpenMetadataStore } from './fixtures.js';

/** Blob records: begin/put/get/unlink, pending and claimed states, sizes beyond 32 bits. */
export function blobRecordContract(open: OpenMetadataStore): void {
  describe('blob records', () => {
    const meta = freshStorePerTest(open);

    it('knows no blob it was not told about', async () => {
      expect(await meta().getBlob('app', randomDigest())).toBeUndefined();
      expect(await meta().getBlobAnywhere(randomDigest())).toBeUndefined();
    });

    it('shows a committed blob in its repository and anywhere, not in another repository', async () => {
      const blob = await pushBlob(meta(), 'team/app');
      expect(await meta().getBlob('team/app', blob.digest)).toEqual(blob);
      expect(await meta().getBlobAnywhere(blob.digest)).toEqual(blob);
      expect(await meta().getBlob('team/other', blob.digest)).toBeUndefined();
    });

    it('keeps sizes beyond 2^32 exact', async () => {
      const size = 2 ** 40 + 7;
      const blob = await pushBlob(meta(), 'big', size);
      expect(await meta().getBlob('big', blob.digest)).toEqual({ digest: blob.digest, size });
    });

    it('hides a pending blob until it is put', async () => {
      const digest = randomDigest();
      expect(await meta().beginBlob(digest, 60_000)).toBe('ok');
      expect(await meta().getBlobAnywhere(digest)).toBeUndefined();
      await meta().putBlob('app', { digest, size: 5 });
      expect(await meta().getBlob('app', digest)).toEqual({ digest, size: 5 });
    });

    it('begins a blob that is already present without hiding it', async () => {
      const blob = await pushBlob(meta(), 'app');
      expect(await meta().beginBlob(blob.digest, 60_000)).toBe('ok');
      expect(await meta().getBlob('app', blob.digest)).toEqual(blob);
    });

    it('links one blob to several repositories', async () => {
      const blob = await pushBlob(meta(), 'a');
      await meta().putBlob('b', blob);
      expect(await meta().getBlob('a', blob.digest)).toEqual(blob);
      expect(await meta().getBlob('b', blob.digest)).toEqual(blob);
    });

    it('unlinks a blob from one repository only, once', async () => {
      const blob = await pushBlob(meta(), 'a');
      await meta().putBlob('b', blob);
      expect(await meta().unlinkBlob('a', blob.digest)).toBe(true);
      expect(await meta().unlinkBlob('a', blob.digest)).toBe(false);
      expect(await meta().getBlob('a', blob.digest)).toBeUndefined();
      expect(await meta().getBlob('b', blob.digest)).toEqual(blob);
      expect(await meta().getBlobAnywhere(blob.digest)).toEqual(blob);
      expect(await meta().unlinkBlob('never', randomDigest())).toBe(false);
    });

    it('answers busy to a commit while a collector holds the blob, and lets a stale claim be taken over', async () => {
      const blob = await pushBlob(meta(), 'app');
      expect(await meta().unlinkBlob('app', blob.digest)).toBe(true);
      expect(await meta().claimBlobForDeletion(blob.digest, new Date(Date.now() + 60_000))).toBe(
        true,
      );
      expect(await meta().beginBlob(blob.digest, 60_000)).toBe('busy');
      expect(await meta().getBlobAnywhere(blob.digest)).toBeUndefined();
      // A negative staleness makes any claim count as old: the collector is taken to be dead.
      expect(await meta().beginBlob(blob.digest, -60_000)).toBe('ok');
      await meta().putBlob('app', blob);
      expect(await meta().getBlob('app', blob.digest)).toEqual(blob);
      // The dead collector's late finish must not remove the blob that is present again.
      await meta().finishBlobDeletion(blob.digest);
      expect(await meta().getBlob('app', blob.digest)).toEqual(blob);
    });

    it('refuses to put a blob a collector has claimed', async () => {
      const blob = await pushBlob(meta(), 'app');
      expect(await meta().claimBlobForDeletion(blob.digest, new Date(Date.now() + 60_000))).toBe(
        true,
      );
      await expect(meta().putBlob('app', blob)).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
      });
      expect(await meta().getBlobAnywhere(blob.digest)).toBeUndefined();
    });
  });
}
