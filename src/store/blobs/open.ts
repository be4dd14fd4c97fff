/**
 * Opens the blob store a configuration names: the filesystem store (the embedded default) or the
 * S3-compatible one. Neither creates an S3 bucket: it must exist (tests create theirs).
 */
import type { BlobStore, BlobStoreConfig } from '../types.js';
import { openFsBlobStore } from './fs.js';
import { openS3BlobStore } from './s3.js';

/**
 * Opens the blob store `config` names.
 *
 * @example
 * const blobs = await openBlobStore({ kind: 'fs', root: join(dataDir, 'blobs') });
 */
export async function openBlobStore(config: BlobStoreConfig): Promise<BlobStore> {
  return config.kind === 'fs' ? openFsBlobStore(config.root) : openS3BlobStore(config);
}
