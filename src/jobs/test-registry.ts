/**
 * Real stores for the jobs' tests: a filesystem blob store with SQLite or a fresh PostgreSQL
 * database, and small builders that push blobs and manifests through the same protocol the
 * registry uses (`beginBlob` → upload → `commitUpload` → `putBlob`; `putManifest`).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { openFsBlobStore } from '../store/blobs/fs.js';
import { openMetadataStore } from '../store/metadata/open.js';
import type {
  BlobInfo,
  BlobStore,
  Digest,
  ManifestReference,
  MetadataStore,
} from '../store/types.js';

/** Both stores and how to dispose of them. */
export interface TestRegistry {
  meta: MetadataStore;
  blobs: BlobStore;
  close(): Promise<void>;
}

/** The metadata engines the jobs are tested on. */
export const engines = ['sqlite'] as const;

/** Opens empty stores: fs blobs plus SQLite (PostgreSQL joins when its store lands). */
export async function openTestRegistry(engine: (typeof engines)[number]): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'moat-jobs-'));
  const meta = await openMetadataStore({ kind: engine, path: join(dir, 'moat.db') });
  const blobs = await openFsBlobStore(join(dir, 'blobs'));
  return {
    meta,
    blobs,
    close: async () => {
      await blobs.close();
      await meta.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The sha256 digest of `content`. */
export function digestOf(content: Buffer): Digest {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/** Writes `content` into the blob store as a committed blob, without any metadata record. */
export async function writeBlobBytes(blobs: BlobStore, content: Buffer): Promise<BlobInfo> {
  const id = randomUUID();
  await blobs.createUpload(id);
  await blobs.appendUpload(id, 0, Readable.from([content]), content.length);
  return blobs.commitUpload(id, digestOf(content));
}

/** Pushes a blob of random bytes into `repository` as the registry does. */
export async function pushBlob(
  registry: TestRegistry,
  repository: string,
  size = 100,
): Promise<BlobInfo> {
  const content = randomBytes(size);
  if ((await registry.meta.beginBlob(digestOf(content), 60_000)) !== 'ok') {
    throw new Error('blob busy');
  }
  const info = await writeBlobBytes(registry.blobs, content);
  await registry.meta.putBlob(repository, info);
  return info;
}

/** Pushes a manifest referring to `references`; resolves to its digest, or the missing ones. */
export async function pushManifest(
  registry: TestRegistry,
  repository: string,
  references: ManifestReference[],
  options: { tag?: string; subject?: Digest; index?: boolean } = {},
): Promise<{ digest: Digest; missing: ManifestReference[] }> {
  const mediaType = options.index
    ? 'application/vnd.oci.image.index.v1+json'
    : 'application/vnd.oci.image.manifest.v1+json';
  const content = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType, references, nonce: randomUUID() }),
  );
  const digest = digestOf(content);
  const { missing } = await registry.meta.putManifest(
    {
      repository,
      digest,
      mediaType,
      ...(options.subject !== undefined && { subject: options.subject }),
      content,
      size: content.length,
      references,
      createdAt: new Date(),
    },
    options.tag,
  );
  return { digest, missing };
}

/** A blob reference. */
export const blobRef = (blob: BlobInfo): ManifestReference => ({
  digest: blob.digest,
  kind: 'blob',
});

/** Lets the clock move past the last write, so that a zero grace period covers it. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 15));
}
