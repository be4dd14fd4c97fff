/**
 * Opens the blob store a configuration names: the filesystem store (the embedded default) or the
 * S3-compatible one. Neither creates an S3 bucket: it must exist (tests create theirs).
 */
import type { BlobStore, BlobStoreConfig } from '../types.js';
import { openFsBlobStore } from './fs.js';

/**
 * Opens the blob store `config` names.
 *
 * @example
 * const blobs = await openBlobStore({ kind: 'fs', root: join(dataDir, 'blobs') });
 */
export async function openBlobStore(config: BlobStoreConfig): Promise<BlobStore> {
  if (config.kind === 'fs') return openFsBlobStore(config.root);
  // The AWS SDK is large: it loads only for S3. It warns on Node 20 that its releases after
  // January 2027 need Node 22 — a matter for whoever upgrades Moat's pinned SDK, not for the
  // operator, whose stderr it would fill at every start of `moat serve` or `moat admin gc`.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { openS3BlobStore } = await import('./s3.js');
  return openS3BlobStore(config);
}
