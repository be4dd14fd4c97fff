/**
 * One blob from upstream into the blob store, streamed: the registry client's verifying stream
 * (digest and declared size, never longer than the descriptor) is appended to an upload session
 * of the local repository, whose commit verifies the digest once more. Nothing is buffered whole
 * and nothing touches the disk outside the store; a failure cancels the session, so the blob is
 * either stored whole and verified, or not at all. A blob already stored in another repository
 * is linked instead of fetched.
 */
import {
  cancelUpload,
  appendChunk,
  completeUpload,
  startUpload,
} from '../../distribution/uploads.js';
import type { RegistryStores } from '../../distribution/stores.js';
import type { RegistryClient } from '../../registry-client/index.js';
import type { BlobInfo } from '../../store/types.js';

/** A collector's claim older than this is taken over (as `distribution/uploads.ts` does). */
const staleClaimMs = 10 * 60_000;

/** What one copy did: `fetched` bytes came over the network, `linked` reused a stored blob. */
export type BlobCopy = { kind: 'present' | 'linked' | 'fetched'; blob: BlobInfo };

/**
 * Makes `digest` present in `repository`: already linked, linked from the store, or fetched from
 * `upstreamRepository` and verified against `digest` and `size`.
 */
export async function copyBlob(
  stores: RegistryStores,
  client: RegistryClient,
  blob: { repository: string; upstreamRepository: string; digest: string; size: number },
): Promise<BlobCopy> {
  const { repository, digest, size } = blob;
  const present = await stores.meta.getBlob(repository, digest);
  if (present !== undefined) return { kind: 'present', blob: present };
  const linked = await linkStoredBlob(stores, repository, digest, size);
  if (linked !== undefined) return { kind: 'linked', blob: linked };
  const id = await startUpload(stores, repository);
  try {
    const source = await client.openBlob(blob.upstreamRepository, { digest, size });
    try {
      await appendChunk(stores, repository, id, source);
    } finally {
      source.destroy();
    }
    return { kind: 'fetched', blob: await completeUpload(stores, repository, id, digest) };
  } catch (error) {
    await cancelUpload(stores, repository, id).catch(() => undefined);
    throw error;
  }
}

/** Links a blob the store already holds (in any repository) when its size is the one expected. */
async function linkStoredBlob(
  stores: RegistryStores,
  repository: string,
  digest: string,
  size: number,
): Promise<BlobInfo | undefined> {
  const known = await stores.meta.getBlobAnywhere(digest);
  if (known?.size !== size) return undefined;
  // A collector holding the record: fetch instead (the commit waits for it properly).
  if ((await stores.meta.beginBlob(digest, staleClaimMs)) !== 'ok') return undefined;
  // The bytes may have gone between the lookup and beginBlob.
  const stored = await stores.blobs.stat(digest);
  if (stored?.size !== size) return undefined;
  await stores.meta.putBlob(repository, stored);
  return stored;
}
