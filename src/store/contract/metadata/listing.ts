/** Contract: tag and repository listings in byte order, with `n`/`last` paging; referrers. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  blobRef,
  byteOrder,
  freshStorePerTest,
  manifestRecord,
  pushBlob,
  pushImage,
  randomDigest,
  type OpenMetadataStore,
} from './fixtures.js';

// Tags chosen so that byte order differs from case-insensitive and locale orders.
const tags = ['latest', 'Latest', 'v1.0', 'v1-0', 'v1_0', '_x', '9', 'V2', 'a', 'a.b', 'a-b'];
const repositories = ['a', 'a/b', 'a-b', 'a.b', 'a_b', 'ab', 'B', 'team/app/api', 'team/app'];

/** Listings: byte order, paging boundaries, unknown repositories; referrers by subject. */
export function listingContract(open: OpenMetadataStore): void {
  describe('tag and repository listings', () => {
    const meta = freshStorePerTest(open);

    async function tagAll(): Promise<void> {
      const record = await pushImage(meta(), 'app');
      for (const tag of tags) await meta().putManifest(record, tag);
    }

    it('lists every tag in byte order', async () => {
      await tagAll();
      expect(await meta().listTags('app', {})).toEqual(byteOrder(tags));
    });

    it('pages through tags with n and last, at every boundary', async () => {
      await tagAll();
      const sorted = byteOrder(tags);
      for (let n = 1; n <= sorted.length + 1; n++) {
        const seen: string[] = [];
        let last: string | undefined;
        for (;;) {
          const page = await meta().listTags('app', last === undefined ? { n } : { n, last });
          expect(page?.length).toBeLessThanOrEqual(n);
          if (!page || page.length === 0) break;
          for (const tag of page) seen.push(tag);
          last = page.at(-1);
          if (page.length < n) break;
        }
        expect(seen).toEqual(sorted);
      }
      expect(await meta().listTags('app', { n: 0 })).toEqual([]);
      expect(await meta().listTags('app', { last: sorted.at(-1) })).toEqual([]);
      expect(await meta().listTags('app', { last: 'a' })).toEqual(sorted.filter((t) => t > 'a'));
      // `last` need not be a tag that exists.
      expect(await meta().listTags('app', { last: 'b', n: 2 })).toEqual(
        sorted.filter((t) => t > 'b').slice(0, 2),
      );
    });

    it('pages any set of tags in byte order without loss or repetition (property)', async () => {
      const tagChars = 'abcXYZ019._-';
      const tag = fc
        .tuple(
          fc.constantFrom('a', 'Z', '0', '_'),
          fc.string({ unit: fc.constantFrom(...tagChars.split('')), maxLength: 6 }),
        )
        .map(([first, rest]) => first + rest);
      let round = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(tag, { minLength: 1, maxLength: 12 }),
          fc.integer({ min: 1, max: 5 }),
          async (names, n) => {
            round += 1;
            const repository = `prop/${round}`;
            const record = await pushImage(meta(), repository);
            for (const name of names) await meta().putManifest(record, name);
            const seen: string[] = [];
            let last: string | undefined;
            for (;;) {
              const page =
                (await meta().listTags(repository, last === undefined ? { n } : { n, last })) ?? [];
              for (const name of page) seen.push(name);
              if (page.length < n) break;
              last = page.at(-1);
            }
            expect(seen).toEqual(byteOrder(names));
          },
        ),
        { numRuns: 15 },
      );
    });

    it('answers undefined for an unknown repository and [] for one with no tags', async () => {
      expect(await meta().listTags('nothing', {})).toBeUndefined();
      await pushBlob(meta(), 'blobs-only');
      expect(await meta().listTags('blobs-only', {})).toEqual([]);
      const record = await pushImage(meta(), 'untagged');
      expect(await meta().listTags('untagged', {})).toEqual([]);
      await meta().deleteManifest('untagged', record.digest);
      for (const ref of record.references) await meta().unlinkBlob('untagged', ref.digest);
      expect(await meta().listTags('untagged', {})).toBeUndefined();
    });

    it('lists repositories with a manifest or a blob, in byte order, with paging', async () => {
      for (const [i, name] of repositories.entries()) {
        if (i % 2 === 0) await pushImage(meta(), name, 'latest');
        else await pushBlob(meta(), name);
      }
      const sorted = byteOrder(repositories);
      expect(await meta().listRepositories({})).toEqual(sorted);
      expect(await meta().listRepositories({ n: 3 })).toEqual(sorted.slice(0, 3));
      expect(await meta().listRepositories({ n: 3, last: sorted[2] })).toEqual(sorted.slice(3, 6));
      expect(await meta().listRepositories({ n: 100, last: sorted[7] })).toEqual(sorted.slice(8));
      expect(await meta().listRepositories({ last: sorted.at(-1) })).toEqual([]);
      expect(await meta().listRepositories({ n: 0 })).toEqual([]);
    });

    it('drops a repository from the catalog once it holds nothing', async () => {
      const blob = await pushBlob(meta(), 'gone');
      await pushBlob(meta(), 'kept');
      await meta().unlinkBlob('gone', blob.digest);
      expect(await meta().listRepositories({})).toEqual(['kept']);
    });
  });

  describe('referrers', () => {
    const meta = freshStorePerTest(open);

    it('lists the manifests of a repository whose subject is a digest, filtered by artifact type', async () => {
      const image = await pushImage(meta(), 'app', 'v1');
      const signature = await pushImage(meta(), 'app', undefined, {
        artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
        subject: image.digest,
        annotations: { 'dev.sigstore.cosign': 'yes' },
      });
      const sbom = await pushImage(meta(), 'app', undefined, {
        artifactType: 'application/spdx+json',
        subject: image.digest,
      });
      await pushImage(meta(), 'other', undefined, {
        artifactType: 'application/spdx+json',
        subject: image.digest,
      });

      const all = await meta().listReferrers('app', image.digest);
      expect(all.map((m) => m.digest).sort()).toEqual([signature.digest, sbom.digest].sort());
      const found = all.find((m) => m.digest === signature.digest);
      expect(found?.annotations).toEqual({ 'dev.sigstore.cosign': 'yes' });
      expect(found?.artifactType).toBe('application/vnd.dev.cosign.artifact.sig.v1+json');
      expect(found?.size).toBe(signature.size);

      const sboms = await meta().listReferrers('app', image.digest, 'application/spdx+json');
      expect(sboms.map((m) => m.digest)).toEqual([sbom.digest]);
      expect(await meta().listReferrers('app', image.digest, 'application/none')).toEqual([]);
      expect(await meta().listReferrers('app', randomDigest())).toEqual([]);
    });

    it('lists a referrer whose subject is not (or no longer) stored', async () => {
      const absent = randomDigest();
      const config = await pushBlob(meta(), 'app');
      const referrer = manifestRecord('app', [blobRef(config)], { subject: absent });
      expect(await meta().putManifest(referrer)).toEqual({ missing: [] });
      expect((await meta().listReferrers('app', absent)).map((m) => m.digest)).toEqual([
        referrer.digest,
      ]);
    });
  });
}
