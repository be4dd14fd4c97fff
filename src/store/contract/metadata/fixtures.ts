/**
 * Small builders for the metadata contract: digests, blob records and manifest records that name
 * what they reference.
 */
import { createHash, randomBytes } from 'node:crypto';

import { afterEach, beforeEach } from 'vitest';

import type {
  BlobInfo,
  Digest,
  ManifestRecord,
  ManifestReference,
  MetadataStore,
} from '../../types.js';

/** Opens a fresh, empty, migrated store (each call a new one). */
export type OpenMetadataStore = () => Promise<MetadataStore>;

/** A random sha256 digest. */
export function randomDigest(): Digest {
  return `sha256:${randomBytes(32).toString('hex')}`;
}

/** The sha256 digest of `content`. */
export function digestOf(content: Buffer): Digest {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/** A blob record of a random digest, stored `present` and linked to `repository`. */
export async function pushBlob(
  meta: MetadataStore,
  repository: string,
  size = 1234,
): Promise<BlobInfo> {
  const blob = { digest: randomDigest(), size };
  await meta.beginBlob(blob.digest, 60_000);
  await meta.putBlob(repository, blob);
  return blob;
}

/** What a manifest built by {@link manifestRecord} may carry besides its references. */
export interface ManifestOptions {
  mediaType?: string;
  artifactType?: string;
  subject?: Digest;
  annotations?: Record<string, string>;
  createdAt?: Date;
}

/** A manifest record in `repository` whose content names its references (so digests differ). */
export function manifestRecord(
  repository: string,
  references: ManifestReference[],
  options: ManifestOptions = {},
): ManifestRecord {
  const mediaType = options.mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
  const content = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      references,
      artifactType: options.artifactType,
      subject: options.subject,
      nonce: randomBytes(8).toString('hex'),
    }),
  );
  return {
    repository,
    digest: digestOf(content),
    mediaType,
    ...(options.artifactType !== undefined && { artifactType: options.artifactType }),
    ...(options.subject !== undefined && { subject: options.subject }),
    ...(options.annotations !== undefined && { annotations: options.annotations }),
    content,
    size: content.length,
    references,
    createdAt: options.createdAt ?? new Date(),
  };
}

/** A blob reference. */
export function blobRef(blob: { digest: Digest }): ManifestReference {
  return { digest: blob.digest, kind: 'blob' };
}

/** A child-manifest reference. */
export function manifestRef(manifest: { digest: Digest }): ManifestReference {
  return { digest: manifest.digest, kind: 'manifest' };
}

/** Pushes an image manifest (config + one layer, both new blobs) and tags it when asked. */
export async function pushImage(
  meta: MetadataStore,
  repository: string,
  tag?: string,
  options: ManifestOptions = {},
): Promise<ManifestRecord> {
  const config = await pushBlob(meta, repository);
  const layer = await pushBlob(meta, repository);
  const record = manifestRecord(repository, [blobRef(config), blobRef(layer)], options);
  const { missing } = await meta.putManifest(record, tag);
  if (missing.length > 0) throw new Error(`pushImage: missing ${JSON.stringify(missing)}`);
  return record;
}

/** A date well after every write a test makes: everything counts as untouched before it. */
export function future(): Date {
  return new Date(Date.now() + 3_600_000);
}

/** Waits until the clock has passed `ms` (so that later writes are stamped after it). */
export async function clockPast(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Names sorted in byte order (UTF-8), as the store must list them. */
export function byteOrder(names: string[]): string[] {
  return [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * Opens a fresh store before each test of the enclosing `describe` and closes it after.
 * @example const store = freshStorePerTest(open); it('…', async () => { await store().migrate(); });
 */
export function freshStorePerTest(open: OpenMetadataStore): () => MetadataStore {
  let meta: MetadataStore | undefined;
  beforeEach(async () => {
    meta = await open();
  });
  afterEach(async () => {
    await meta?.close();
    meta = undefined;
  });
  return () => {
    if (!meta) throw new Error('no store open: call inside a test');
    return meta;
  };
}
