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

import { startS3rver } from '../../store/blobs/__fixtures__/s3rver.js';
import { openFsBlobStore } from '../../store/blobs/fs.js';
import { openBlobStore } from '../../store/blobs/open.js';
import { openMetadataStore } from '../../store/metadata/open.js';
import { createTestDatabase } from '../../store/metadata/test-database.js';
import type {
  BlobInfo,
  BlobStore,
  Digest,
  ManifestReference,
  MetadataStore,
} from '../../store/types.js';

/** Both stores and how to dispose of them. */
export interface TestRegistry {
  meta: MetadataStore;
  blobs: BlobStore;
  close(): Promise<void>;
}

/** The store combinations the jobs are tested on. */
export const backends = ['fs + sqlite', 'fs + postgres', 's3 + postgres'] as const;

/**
 * Opens empty stores: the filesystem with SQLite or a throw-away PostgreSQL database, or s3rver
 * with PostgreSQL (the scale-out pair).
 */
export async function openTestRegistry(backend: (typeof backends)[number]): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'moat-jobs-'));
  const database = backend.endsWith('postgres') ? await createTestDatabase() : undefined;
  const s3 = backend.startsWith('s3') ? await startS3rver() : undefined;
  const meta = await openMetadataStore(
    database
      ? { kind: 'postgres', url: database.url }
      : { kind: 'sqlite', path: join(dir, 'moat.db') },
  );
  const blobs = s3
    ? await openBlobStore(s3.config('moat/'))
    : await openFsBlobStore(join(dir, 'blobs'));
  return {
    meta,
    blobs,
    close: async () => {
      await blobs.close();
      await meta.close();
      await database?.drop();
      await s3?.stop();
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
