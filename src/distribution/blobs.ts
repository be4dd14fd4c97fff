/**
 * Reading and unlinking blobs of a repository. A blob is visible in a repository only when the
 * metadata store has it `present` and linked there; the bytes come from the blob store.
 */
import type { Readable } from 'node:stream';

import type { BlobInfo, ByteRange, Digest } from '../store/types.js';
import { DistributionError } from './errors.js';
import { hasCode, type RegistryStores } from './stores.js';

/** The blob's size when `repository` holds it; `BLOB_UNKNOWN` otherwise. */
export async function statBlob(
  stores: RegistryStores,
  repository: string,
  digest: Digest,
): Promise<BlobInfo> {
  const blob = await stores.meta.getBlob(repository, digest);
  if (blob === undefined) throw blobUnknown(repository, digest);
  return blob;
}

/** A stream of the blob's bytes (or of `range`); `BLOB_UNKNOWN` when the bytes are gone. */
export async function openBlob(
  stores: RegistryStores,
  repository: string,
  digest: Digest,
  range?: ByteRange,
): Promise<Readable> {
  try {
    return await stores.blobs.open(digest, range);
  } catch (error) {
    if (hasCode(error, 'STORE_BLOB_UNKNOWN')) throw blobUnknown(repository, digest, error);
    if (hasCode(error, 'STORE_RANGE_INVALID')) {
      throw new DistributionError('RANGE_INVALID', 'the requested range is not satisfiable', {
        cause: error,
      });
    }
    throw error;
  }
}

/** Unlinks the blob from `repository` (its bytes stay until garbage collection). */
export async function unlinkBlob(
  stores: RegistryStores,
  repository: string,
  digest: Digest,
): Promise<void> {
  if (!(await stores.meta.unlinkBlob(repository, digest))) throw blobUnknown(repository, digest);
}

function blobUnknown(repository: string, digest: Digest, cause?: unknown): DistributionError {
  return new DistributionError('BLOB_UNKNOWN', `blob ${digest} is not in ${repository}`, {
    detail: { digest },
    cause,
  });
}
