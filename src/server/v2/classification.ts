/**
 * Label-based access on manifest reads: an image manifest whose config carries
 * `moat.classification` is served only to principals granted that classification
 * (`Access.missingClassification`); others get 403 `DENIED` naming it. Indexes carry no config:
 * each child manifest is checked when it is pulled. Blobs are not checked (see
 * `docs/permissions.md`).
 *
 * The config is read through the blob store within a bound, and the label is cached by config
 * digest: the bytes behind a digest never change, so the cache needs no invalidation.
 */
import { z } from 'zod';

import { classificationLabel as label } from '../../auth/projects/index.js';
import type { Access, Principal } from '../../auth/types.js';
import { DistributionError } from '../../distribution/errors.js';
import { imageConfigTypes, manifestMediaTypes } from '../../distribution/media-types.js';
import { hasCode } from '../../distribution/stores.js';
import type { BlobStore, ManifestRecord } from '../../store/types.js';
import { readAll } from '../../util/streams.js';

/** Largest image config read; a larger one counts as unreadable (system administrators only). */
const maxConfigBytes = 4 * 1024 * 1024;
/** Config digests whose label is remembered (most recently used kept). */
const maxCachedConfigs = 4096;
/** What an unreadable config requires: a value no grant can match. */
const unreadable = '(unreadable image config)';

const imageManifestTypes: ReadonlySet<string> = new Set([
  manifestMediaTypes.ociManifest,
  manifestMediaTypes.dockerManifest,
]);
const configDescriptor = z.object({
  config: z.object({ digest: z.string().max(256), mediaType: z.string().max(256) }),
});
const configLabels = z.object({
  config: z.object({ Labels: z.record(z.string(), z.unknown()).nullish() }).nullish(),
});

/** Config digest → the label's value ('' when the config has none). */
const cache = new Map<string, string>();

/**
 * Resolves when `principal` may receive `record`; rejects with `DENIED` naming the classification
 * it lacks.
 */
export async function requireClassification(
  ctx: { access: Access; blobs: BlobStore },
  principal: Principal,
  record: ManifestRecord,
): Promise<void> {
  if (!imageManifestTypes.has(record.mediaType)) return;
  const config = configOf(record.content);
  if (config === undefined || !imageConfigTypes.has(config.mediaType)) return;
  const value = await classificationOf(ctx.blobs, config.digest);
  if (value === '') return;
  const missing = await ctx.access.missingClassification(principal, record.repository, {
    [label]: value,
  });
  if (missing === undefined) return;
  const shown = JSON.stringify(missing.slice(0, 64));
  throw new DistributionError(
    'DENIED',
    `the image is classified ${shown}, which is not granted to you in this project`,
    { detail: { classification: missing.slice(0, 64) } },
  );
}

function configOf(content: Buffer): { digest: string; mediaType: string } | undefined {
  try {
    const parsed = configDescriptor.safeParse(JSON.parse(content.toString('utf8')));
    return parsed.success ? parsed.data.config : undefined;
  } catch {
    return undefined;
  }
}

async function classificationOf(blobs: BlobStore, digest: string): Promise<string> {
  const cached = cache.get(digest);
  if (cached !== undefined) {
    cache.delete(digest);
    cache.set(digest, cached);
    return cached;
  }
  const { value, lasting } = await readClassification(blobs, digest);
  if (!lasting) return value;
  cache.set(digest, value);
  if (cache.size > maxCachedConfigs) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  return value;
}

/**
 * The label's value in the config blob, {@link unreadable} when the config cannot be read;
 * `lasting` unless the answer may change (a config missing now may be pushed again).
 */
async function readClassification(
  blobs: BlobStore,
  digest: string,
): Promise<{ value: string; lasting: boolean }> {
  let bytes: Buffer;
  try {
    bytes = await readAll(await blobs.open(digest), maxConfigBytes, `config ${digest}`);
  } catch (error) {
    // A missing or oversized config: its labels are unknown, so only system administrators
    // receive the image. Anything else (a store that is down) is the store's error.
    if (hasCode(error, 'STORE_BLOB_UNKNOWN')) return { value: unreadable, lasting: false };
    if (hasCode(error, 'LIMIT_EXCEEDED')) return { value: unreadable, lasting: true };
    throw error;
  }
  return { value: labelOf(bytes), lasting: true };
}

function labelOf(config: Buffer): string {
  try {
    const parsed = configLabels.safeParse(JSON.parse(config.toString('utf8')));
    if (!parsed.success) return unreadable;
    const value = parsed.data.config?.Labels?.[label];
    if (value === undefined || value === null) return '';
    return typeof value === 'string' ? value : unreadable;
  } catch {
    return unreadable;
  }
}
