/**
 * What garbage collection may remove, and the collector's claim on a blob.
 *
 * Untagged manifests: a manifest is kept when a tag points at it, when it was created after the
 * cutoff, when a kept index lists it as a child, or when its subject is a kept manifest (so the
 * signature and the SBOM of a tagged image stay) — the closure is one recursive query over the
 * edges "index → child" and "subject → referrer", within a repository.
 */
import { sql } from 'kysely';

import type { Digest, GcCandidates } from '../types.js';
import type { StoreDatabase } from './database.js';
import { toNumber } from './schema.js';

/** Unreferenced blobs untouched since the cutoff, and (when asked) manifests nothing keeps. */
export function gcCandidates(
  store: StoreDatabase,
  options: { touchedBefore: Date; untagged: boolean },
): Promise<GcCandidates> {
  const cutoff = options.touchedBefore.getTime();
  return store.read(async (db) => {
    const blobs = await db
      .selectFrom('blobs')
      .select(['digest', 'size'])
      .where('touched_at', '<', cutoff)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('manifest_references')
              .select('manifest_references.digest')
              .whereRef('manifest_references.digest', '=', 'blobs.digest'),
          ),
        ),
      )
      .orderBy('digest')
      .execute();
    const manifests = options.untagged
      ? (
          await sql<{ repository: string; digest: Digest }>`
            with recursive
              edges(repository, from_digest, to_digest) as (
                select repository, manifest_digest, digest from manifest_references
                  where kind = 'manifest'
                union all
                select repository, subject, digest from manifests where subject is not null
              ),
              kept(repository, digest) as (
                select repository, digest from tags
                union
                select repository, digest from manifests where created_at >= ${cutoff}
                union
                select e.repository, e.to_digest from edges e
                  join kept k on k.repository = e.repository and k.digest = e.from_digest
              )
            select m.repository, m.digest from manifests m
            where not exists (
              select 1 from kept k where k.repository = m.repository and k.digest = m.digest
            )
            order by m.repository, m.digest`.execute(db)
        ).rows
      : [];
    return {
      blobs: blobs.map((row) => ({ digest: row.digest, size: toNumber(row.size) })),
      manifests: manifests.map((row) => ({ repository: row.repository, digest: row.digest })),
    };
  });
}

/**
 * Claims the blob for deletion in ONE statement whose condition is "no manifest refers to it and
 * it was not touched since the cutoff": on PostgreSQL a concurrent `putManifest` that touches the
 * row either commits first (the re-checked condition then fails) or finds the record `deleting`.
 */
export async function claimBlobForDeletion(
  store: StoreDatabase,
  digest: Digest,
  touchedBefore: Date,
): Promise<boolean> {
  const result = await store.writeOne((db) =>
    db
      .updateTable('blobs')
      .set({ state: 'deleting', touched_at: Date.now() })
      .where('digest', '=', digest)
      .where('touched_at', '<', touchedBefore.getTime())
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('manifest_references')
              .select('manifest_references.digest')
              .whereRef('manifest_references.digest', '=', 'blobs.digest'),
          ),
        ),
      )
      .executeTakeFirst(),
  );
  return result.numUpdatedRows > 0n;
}

/** Removes a `deleting` record and its repository links (nothing in any other state). */
export function finishBlobDeletion(store: StoreDatabase, digest: Digest): Promise<void> {
  return store.transaction(async (trx) => {
    const removed = await trx
      .deleteFrom('blobs')
      .where('digest', '=', digest)
      .where('state', '=', 'deleting')
      .executeTakeFirst();
    if (removed.numDeletedRows > 0n) {
      await trx.deleteFrom('repository_blobs').where('digest', '=', digest).execute();
    }
  });
}
