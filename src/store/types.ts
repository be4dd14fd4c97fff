/**
 * The two storage contracts behind `moat serve` (DESIGN §4): a {@link BlobStore} holds bytes
 * addressed by digest (filesystem or S3), a {@link MetadataStore} holds everything else
 * (repositories, manifests, tags, referrers, upload sessions; SQLite or PostgreSQL through Kysely).
 * The registry logic in `distribution/` sees only these interfaces; one contract suite
 * (`store/contract/*.ts`) runs against every implementation.
 *
 * Digests are strings in the OCI grammar (`sha256:<64 hex>`, `sha512:<128 hex>`), already
 * validated by the caller. Repository names are validated by the caller too.
 */
import type { Readable } from 'node:stream';

/** A validated digest string such as `sha256:9f86…`. */
export type Digest = string;

/** An inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What the blob store knows of one stored blob. */
export interface BlobInfo {
  digest: Digest;
  size: number;
}

/**
 * Bytes by digest, plus the partial data of upload sessions. Every write is invisible until it is
 * complete: a blob is either absent or whole and digest-verified, whatever crashes or aborts.
 */
export interface BlobStore {
  /** The blob's size, or undefined when it is not stored. */
  stat(digest: Digest): Promise<BlobInfo | undefined>;
  /** A stream of the blob (or of `range` of it); rejects with `BLOB_UNKNOWN` when absent. */
  open(digest: Digest, range?: ByteRange): Promise<Readable>;
  /**
   * Removes the blob's bytes; true when something was removed. Safe to call on an absent blob.
   * Garbage collection calls this only after the metadata store gave the blob up.
   */
  delete(digest: Digest): Promise<boolean>;
  /** Every stored blob, for garbage collection and consistency checks (order unspecified). */
  list(): AsyncIterable<BlobInfo>;

  /** Starts the partial data of an upload session (empty). */
  createUpload(id: string): Promise<void>;
  /**
   * Appends `data` to the upload at `offset` (which must equal the bytes stored so far, else
   * `RANGE_INVALID`), reading at most `maxBytes` in all (else `LIMIT_EXCEEDED`, nothing appended).
   * Resolves to the upload's new size once the bytes are durable. A stream that errors or ends
   * early appends nothing of that request. Unknown id: `BLOB_UPLOAD_UNKNOWN`.
   */
  appendUpload(id: string, offset: number, data: Readable, maxBytes: number): Promise<number>;
  /** Bytes stored so far for the upload, or undefined when the session has no data. */
  uploadSize(id: string): Promise<number | undefined>;
  /**
   * Completes the upload: verifies that its bytes hash to `digest` (else `DIGEST_INVALID`, and the
   * partial data is removed), then makes them the blob `digest` atomically (an existing blob with
   * that digest is kept as it is). The partial data is gone afterwards.
   */
  commitUpload(id: string, digest: Digest): Promise<BlobInfo>;
  /** Removes an upload's partial data; safe to call twice or on an unknown id. */
  abortUpload(id: string): Promise<void>;
  /** Ids of uploads whose partial data exists, for expiry sweeps of orphans. */
  listUploads(): AsyncIterable<string>;

  /** Releases connections and handles. */
  close(): Promise<void>;
}

/** A manifest's reference to a blob or a child manifest. */
export interface ManifestReference {
  digest: Digest;
  /** `blob` for config and layers (and other blobs), `manifest` for an index's children. */
  kind: 'blob' | 'manifest';
}

/** A stored manifest as the metadata store keeps it. */
export interface ManifestRecord {
  repository: string;
  digest: Digest;
  mediaType: string;
  /** `artifactType`, or the config media type for an image manifest with a non-image config. */
  artifactType?: string;
  /** The digest of the `subject` descriptor, when the manifest has one. */
  subject?: Digest;
  /** The manifest's `annotations`, for the referrers index. */
  annotations?: Record<string, string>;
  /** The exact bytes received, returned byte for byte. */
  content: Buffer;
  size: number;
  references: ManifestReference[];
  createdAt: Date;
}

/** A page request: at most `n` entries after `last` in lexical order. */
export interface Page {
  n?: number;
  last?: string;
}

/** An upload session. */
export interface UploadSession {
  id: string;
  repository: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What one garbage-collection pass decided and did. */
export interface GcCandidates {
  /** Blobs no manifest references, untouched for the grace period. */
  blobs: BlobInfo[];
  /** Untagged manifests (only when asked for), each with its repository. */
  manifests: { repository: string; digest: Digest }[];
}

/**
 * Metadata: repositories, blob records and their links to repositories, manifests, tags, referrers
 * and upload sessions. Every method is atomic; two processes on one PostgreSQL see each other's
 * writes at once.
 *
 * Blob records and garbage collection (the protocol that keeps a blob that a push in flight
 * relies on from being collected). A blob record has a state — `pending` (bytes being committed),
 * `present`, `deleting` (claimed by a collector) — and `touchedAt`, refreshed by every write that
 * relies on the blob (upload commit, mount, manifest push) and by a blob `HEAD`/`GET` in a
 * repository (at most once a minute).
 * - Upload commit: {@link beginBlob} (pending, or touch when present; `busy` while a collector
 *   holds it: wait and retry), then `BlobStore.commitUpload`, then {@link putBlob} (present).
 * - Manifest push: {@link putManifest} touches every referenced blob in its transaction and
 *   refuses references whose record is not `present` and linked to the repository.
 * - Collector: {@link claimBlobForDeletion} moves the record to `deleting` in one statement that
 *   also checks "unreferenced and untouched since the cutoff"; then `BlobStore.delete`; then
 *   {@link finishBlobDeletion}. A record left `deleting` by a collector that died is finished by
 *   the next pass; a record left `pending` by a crashed commit is collected like any other.
 */
export interface MetadataStore {
  /** Runs pending migrations (idempotent; safe when several processes start at once). */
  migrate(): Promise<void>;

  /**
   * Before committing bytes for `digest`: inserts a `pending` record, or refreshes `touchedAt` of
   * an existing one. `busy` when a collector holds the record (`deleting`) — unless that claim is
   * older than `staleAfterMs` (its collector died), which is then taken over.
   */
  beginBlob(digest: Digest, staleAfterMs: number): Promise<'ok' | 'busy'>;
  /** After the bytes are committed: the record is `present` with `size`, touched, and linked. */
  putBlob(repository: string, blob: BlobInfo): Promise<void>;
  /** The blob when it is `present` and linked to `repository`; refreshes `touchedAt` (throttled). */
  getBlob(repository: string, digest: Digest): Promise<BlobInfo | undefined>;
  /** The blob when it is `present` (in any repository). */
  getBlobAnywhere(digest: Digest): Promise<BlobInfo | undefined>;
  /** Removes the blob's link to `repository`; true when there was one. */
  unlinkBlob(repository: string, digest: Digest): Promise<boolean>;

  /**
   * Stores a manifest and, when `tag` is given, points the tag at it, in one transaction. Every
   * reference must exist: blobs linked to the repository, child manifests in the repository; the
   * missing ones are returned (and nothing is stored). Touches every referenced blob.
   */
  putManifest(record: ManifestRecord, tag?: string): Promise<{ missing: ManifestReference[] }>;
  getManifest(repository: string, digest: Digest): Promise<ManifestRecord | undefined>;
  resolveTag(repository: string, tag: string): Promise<Digest | undefined>;
  /** Deletes the manifest and every tag pointing at it; true when it existed. */
  deleteManifest(repository: string, digest: Digest): Promise<boolean>;
  /**
   * Garbage collection's delete: removes the manifest only if, checked atomically with the
   * deletion, no tag points at it, no manifest in the repository lists it, and its subject is not
   * stored there. True when deleted. A concurrent push that tags or lists it is never lost.
   */
  deleteUntaggedManifest(repository: string, digest: Digest): Promise<boolean>;
  /** Deletes one tag (the manifest stays); true when it existed. */
  deleteTag(repository: string, tag: string): Promise<boolean>;
  /** Tags in lexical order; undefined when the repository is unknown. */
  listTags(repository: string, page: Page): Promise<string[] | undefined>;
  /** Repositories (with at least one manifest or blob) in lexical order. */
  listRepositories(page: Page): Promise<string[]>;
  /** Manifests in `repository` whose `subject` is `digest`, optionally of one artifact type. */
  listReferrers(
    repository: string,
    digest: Digest,
    artifactType?: string,
  ): Promise<ManifestRecord[]>;

  createUpload(session: UploadSession): Promise<void>;
  getUpload(id: string): Promise<UploadSession | undefined>;
  /** Marks the session active now (extends its lifetime). */
  touchUpload(id: string): Promise<void>;
  deleteUpload(id: string): Promise<boolean>;
  /** Sessions not updated since `before`. */
  listExpiredUploads(before: Date): Promise<UploadSession[]>;

  /**
   * What a GC pass may remove now: unreferenced blobs untouched since `touchedBefore`, and, when
   * `untagged` is set, manifests that no tag, no kept index and no kept subject keeps alive
   * (created before `touchedBefore`).
   */
  gcCandidates(options: { touchedBefore: Date; untagged: boolean }): Promise<GcCandidates>;
  /**
   * Moves the blob's record to `deleting` if — checked in the same statement — no manifest refers
   * to it and it was not touched since `touchedBefore` (or it is already `deleting` and untouched
   * since then: a dead collector's claim). True when claimed: the caller then deletes the bytes
   * and calls {@link finishBlobDeletion}.
   */
  claimBlobForDeletion(digest: Digest, touchedBefore: Date): Promise<boolean>;
  /** Removes a `deleting` record and its repository links (a no-op in any other state). */
  finishBlobDeletion(digest: Digest): Promise<void>;

  /** A server-wide setting (the token-signing key, the administrator's password hash, …). */
  getSetting(key: string): Promise<string | undefined>;
  /**
   * Stores `value` under `key` unless a value is there, and returns the stored one — atomic, so
   * that processes starting at once on one database agree.
   */
  putSettingIfAbsent(key: string, value: string): Promise<string>;

  close(): Promise<void>;
}

/** Which metadata store to open. */
export type MetadataStoreConfig =
  { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** Which blob store to open. */
export type BlobStoreConfig =
  | { kind: 'fs'; root: string }
  | {
      kind: 's3';
      endpoint?: string;
      bucket: string;
      region: string;
      accessKeyId?: string;
      secretAccessKey?: string;
      forcePathStyle: boolean;
      /** Key prefix inside the bucket, e.g. `moat/`. */
      prefix: string;
      /** Part size for multipart uploads, bytes (≥ 5 MiB). */
      partSize: number;
    };
