/**
 * The referrers index (spec.md, "Listing Referrers"): an OCI image index of descriptors of the
 * manifests whose `subject` is a given digest, each with its `artifactType` and annotations.
 */
import type { ManifestRecord } from '../store/types.js';
import { manifestMediaTypes } from './media-types.js';
import type { ReferrerDescriptor } from '../image/types.js';

/** The referrers response body. */
export interface ReferrersIndex {
  schemaVersion: 2;
  mediaType: typeof manifestMediaTypes.ociIndex;
  manifests: ReferrerDescriptor[];
}

/**
 * Builds the referrers index of `records` (already filtered by the store), in a stable order
 * (oldest first, then by digest) so that repeated requests answer the same bytes.
 * @example buildReferrersIndex([]) // { schemaVersion: 2, mediaType: '…index.v1+json', manifests: [] }
 */
export function buildReferrersIndex(records: readonly ManifestRecord[]): ReferrersIndex {
  const sorted = records
    .slice()
    .sort(
      (a, b) =>
        a.createdAt.getTime() - b.createdAt.getTime() ||
        (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0),
    );
  return {
    schemaVersion: 2,
    mediaType: manifestMediaTypes.ociIndex,
    manifests: sorted.map((record) => ({
      mediaType: record.mediaType,
      digest: record.digest,
      size: record.size,
      ...(record.artifactType !== undefined ? { artifactType: record.artifactType } : {}),
      ...(record.annotations !== undefined && Object.keys(record.annotations).length > 0
        ? { annotations: record.annotations }
        : {}),
    })),
  };
}
