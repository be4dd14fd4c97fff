/**
 * Blob records: the GC-safety states (`pending` → `present` → `deleting`), `touched_at`, and the
 * links that make a blob visible in a repository.
 */
import { sql } from 'kysely';

import { StoreError } from '../../errors.js';
import type { BlobInfo, Digest } from '../types.js';
import type { StoreDatabase } from './database.js';
import { toNumber, type BlobState } from './schema.js';

/** A read refreshes `touched_at` at most this often (a write per read would cost too much). */
const touchThrottleMs = 60_000;

/** Inserts a `pending` record or touches an existing one; `busy` while a live collector holds it. */
export async function beginBlob(
  store: StoreDatabase,
  digest: Digest,
  staleAfterMs: number,
): Promise<'ok' | 'busy'> {
  const now = Date.now();
  const row = await store.writeOne((db) =>
    db
      .insertInto('blobs')
      .values({ digest, size: 0, state: 'pending', touched_at: now })
      .onConflict((oc) =>
        oc
          .column('digest')
          .doUpdateSet({
            touched_at: now,
            // A dead collector's claim is taken over: its bytes may be gone, so the record is
            // pending again until this commit completes.
            state: sql<BlobState>`case when blobs.state = 'deleting' then 'pending' else blobs.state end`,
          })
          .where((eb) =>
            eb.or([
              eb('blobs.state', '<>', 'deleting'),
              eb('blobs.touched_at', '<', now - staleAfterMs),
            ]),
          ),
      )
      .returning('digest')
      .executeTakeFirst(),
  );
  return row ? 'ok' : 'busy';
}

/**
 * Marks the blob `present` with its size, touched, and linked to `repository`. A record a
 * collector claimed in the meantime is not taken back (its bytes may be going): that is
 * `STORE_UNAVAILABLE`, and the client's retry commits again.
 */
export async function putBlob(
  store: StoreDatabase,
  repository: string,
  blob: BlobInfo,
): Promise<void> {
  const now = Date.now();
  const claimed = await store.transaction(async (trx) => {
    const row = await trx
      .insertInto('blobs')
      .values({ digest: blob.digest, size: blob.size, state: 'present', touched_at: now })
      .onConflict((oc) =>
        oc
          .column('digest')
          .doUpdateSet({ state: 'present', size: blob.size, touched_at: now })
          .where('blobs.state', '<>', 'deleting'),
      )
      .returning('digest')
      .executeTakeFirst();
    if (!row) return true;
    await trx
      .insertInto('repository_blobs')
      .values({ repository, digest: blob.digest })
      .onConflict((oc) => oc.columns(['repository', 'digest']).doNothing())
      .execute();
    await trx
      .insertInto('repositories')
      .values({ name: repository, created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    return false;
  });
  if (claimed) {
    throw new StoreError(
      'STORE_UNAVAILABLE',
      `blob ${blob.digest} is being garbage-collected; retry the upload`,
    );
  }
}

/** The blob when `present` and linked to `repository`; touches it at most once a minute. */
export async function getBlob(
  store: StoreDatabase,
  repository: string,
  digest: Digest,
): Promise<BlobInfo | undefined> {
  const row = await store.read((db) =>
    db
      .selectFrom('blobs')
      .innerJoin('repository_blobs', 'repository_blobs.digest', 'blobs.digest')
      .select(['blobs.size', 'blobs.touched_at'])
      .where('repository_blobs.repository', '=', repository)
      .where('blobs.digest', '=', digest)
      .where('blobs.state', '=', 'present')
      .executeTakeFirst(),
  );
  if (!row) return undefined;
  const now = Date.now();
  if (toNumber(row.touched_at) < now - touchThrottleMs) {
    await store.writeOne((db) =>
      db
        .updateTable('blobs')
        .set({ touched_at: now })
        .where('digest', '=', digest)
        .where('state', '=', 'present')
        .where('touched_at', '<', now - touchThrottleMs)
        .execute(),
    );
  }
  return { digest, size: toNumber(row.size) };
}

/** The blob when `present`, in any repository. */
export async function getBlobAnywhere(
  store: StoreDatabase,
  digest: Digest,
): Promise<BlobInfo | undefined> {
  const row = await store.read((db) =>
    db
      .selectFrom('blobs')
      .select('size')
      .where('digest', '=', digest)
      .where('state', '=', 'present')
      .executeTakeFirst(),
  );
  return row ? { digest, size: toNumber(row.size) } : undefined;
}

/** Removes the blob's link to `repository`; true when there was one. */
export async function unlinkBlob(
  store: StoreDatabase,
  repository: string,
  digest: Digest,
): Promise<boolean> {
  const result = await store.writeOne((db) =>
    db
      .deleteFrom('repository_blobs')
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .executeTakeFirst(),
  );
  return result.numDeletedRows > 0n;
}
