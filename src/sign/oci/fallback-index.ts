/**
 * The referrers tag schema (OCI distribution spec 1.1, "Referrers Tag Schema"): for a registry
 * without the referrers API, the referrers of `sha256:<hex>` are listed in an OCI index tagged
 * `sha256-<hex>`. Clients read it, and after pushing a manifest with a `subject` that the
 * registry did not index (no `OCI-Subject` header) they add a descriptor to it: `artifactType`
 * from the manifest (else its config media type) and all of its annotations; no duplicates.
 */
import { mediaTypes } from '../../image/media-types.js';
import type { RegistryClient } from '../../registry-client/client.js';
import {
  findManifest,
  parseIndexEntries,
  referrersIndexSchema,
  type ReferrerDescriptor,
} from '../../registry-client/referrers.js';
import { putManifest } from '../../registry-client/write.js';
import { goJson, sortedAnnotations } from './go-manifest.js';
import type { SignatureStorageLimits } from './limits.js';
import { asSignError, invalidSignature, limitExceeded } from './storage-errors.js';

/** The fallback tag of `digest`: `sha256:abc…` → `sha256-abc…` (algorithm ≤ 32, hex ≤ 64 chars). */
export function fallbackTag(digest: string): string {
  const [algorithm = '', encoded = ''] = digest.split(':');
  return `${algorithm.slice(0, 32)}-${encoded.slice(0, 64)}`;
}

/**
 * The descriptors listed under the fallback tag of `digest`; `[]` when the tag does not exist.
 * @throws SignError SIGNATURE_INVALID when the tag holds something other than an index.
 */
export async function readFallbackIndex(
  client: RegistryClient,
  repository: string,
  digest: string,
  limits: SignatureStorageLimits,
): Promise<{ entries: ReferrerDescriptor[]; own?: string; raw?: unknown[] }> {
  const tag = fallbackTag(digest);
  const name = `${client.host}/${repository}:${tag}`;
  return asSignError(name, async () => {
    const fetched = await findManifest(client, repository, tag, {
      maxBytes: limits.maxManifestBytes,
    });
    if (fetched === undefined) return { entries: [] };
    if (fetched.mediaType !== mediaTypes.ociIndex) {
      throw invalidSignature(
        name,
        `the referrers tag holds ${fetched.mediaType}, not an OCI index`,
      );
    }
    const entries = parseIndexEntries(fetched.bytes, name);
    if (entries.length > limits.maxReferrerEntries) {
      throw limitExceeded(
        name,
        `${entries.length} referrers, more than the limit of ${limits.maxReferrerEntries}`,
      );
    }
    const parsed = referrersIndexSchema.parse(JSON.parse(fetched.bytes.toString('utf8')));
    return { entries, own: fetched.digest, raw: parsed.manifests };
  });
}

/**
 * Adds `descriptor` to the fallback index of `subject` (read, add unless present, PUT). Not
 * atomic: two writers at once may lose one entry, as with every client of the tag schema.
 */
export async function addToFallbackIndex(
  client: RegistryClient,
  repository: string,
  subject: string,
  descriptor: ReferrerDescriptor,
  limits: SignatureStorageLimits,
): Promise<void> {
  const current = await readFallbackIndex(client, repository, subject, limits);
  if (current.entries.some((entry) => entry.digest === descriptor.digest)) return;
  if (current.entries.length + 1 > limits.maxReferrerEntries) {
    throw limitExceeded(
      `${client.host}/${repository}:${fallbackTag(subject)}`,
      `more than ${limits.maxReferrerEntries} referrers`,
    );
  }
  const entry: Record<string, unknown> = {
    mediaType: descriptor.mediaType,
    size: descriptor.size,
    digest: descriptor.digest,
  };
  const annotations = sortedAnnotations(descriptor.annotations);
  if (annotations !== undefined) entry.annotations = annotations;
  if (descriptor.artifactType !== undefined) entry.artifactType = descriptor.artifactType;
  const index = goJson({
    schemaVersion: 2,
    mediaType: mediaTypes.ociIndex,
    manifests: [...(current.raw ?? []), entry],
  });
  await putManifest(client, repository, fallbackTag(subject), mediaTypes.ociIndex, index);
}
