/**
 * Upload expiry: sessions not used within the upload TTL are removed with their partial data,
 * and partial data that has no session (a crash between creating the data and the session, a
 * session deleted while its data was being written) is removed once it has been seen without a
 * session for a whole TTL. The blob store cannot tell the age of partial data, so that first
 * sighting is remembered per blob store in this process: a one-shot process removes no orphans,
 * the server's periodic sweep does.
 */
import type { BlobStore, MetadataStore } from '../store/types.js';

/** Per blob store: ids of partial data seen without a session, and when first seen (ms). */
const orphansSeen = new WeakMap<BlobStore, Map<string, number>>();

/**
 * Removes expired upload sessions and orphaned partial data; resolves to how many uploads were
 * removed.
 *
 * @example
 * const removed = await expireUploads({ meta, blobs }, 3600_000);
 */
export async function expireUploads(
  ctx: { meta: MetadataStore; blobs: BlobStore },
  uploadTtlMs: number,
): Promise<number> {
  const { meta, blobs } = ctx;
  const now = Date.now();
  const before = new Date(now - uploadTtlMs);
  let removed = 0;

  for (const session of await meta.listExpiredUploads(before)) {
    // Re-check: the client may have used the session since the listing.
    const current = await meta.getUpload(session.id);
    if (!current || current.updatedAt.getTime() >= before.getTime()) continue;
    // Session first: a request arriving now finds no session rather than half-removed data.
    if (await meta.deleteUpload(session.id)) removed++;
    await blobs.abortUpload(session.id);
  }

  let seen = orphansSeen.get(blobs);
  if (!seen) orphansSeen.set(blobs, (seen = new Map<string, number>()));
  const stillOrphaned = new Set<string>();
  for await (const id of blobs.listUploads()) {
    if ((await meta.getUpload(id)) !== undefined) continue;
    stillOrphaned.add(id);
    const firstSeen = seen.get(id);
    if (firstSeen === undefined) {
      seen.set(id, now);
      continue;
    }
    if (firstSeen > now - uploadTtlMs) continue;
    // Re-check just before removing: a session created since the listing keeps its data.
    if ((await meta.getUpload(id)) !== undefined) continue;
    await blobs.abortUpload(id);
    seen.delete(id);
    stillOrphaned.delete(id);
    removed++;
  }
  for (const id of seen.keys()) if (!stillOrphaned.has(id)) seen.delete(id);
  return removed;
}
