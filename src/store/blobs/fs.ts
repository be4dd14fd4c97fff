/**
 * The filesystem blob store, the embedded default. Under its root:
 * - `<alg>/<first 2 hex>/<hex>`: blobs, content-addressed, each whole and verified;
 * - `_uploads/<id>`: the partial data of an upload session.
 * An append writes at its offset and is rolled back (truncated) when its body fails, and is
 * fsync'ed before it is acknowledged; a commit verifies the digest and renames the upload's file
 * into place, so a blob is either absent or whole whatever crashes. Paths are built only from
 * parsed digests and ids of a strict grammar (`names.ts`), never from other input.
 */
import type { Hash } from 'node:crypto';
import { mkdir, open, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';

import { StoreError } from '../../errors.js';
import type { BlobInfo, BlobStore, ByteRange, Digest } from '../types.js';
import {
  entriesOf,
  errnoCode,
  fullDiskAsStoreError,
  hashFile,
  ignoreMissing,
  syncDirectory,
  syncFile,
  writeAllAt,
} from './fs-io.js';
import { KeyedLock } from './keyed-lock.js';
import {
  blobUnknown,
  checkUploadId,
  digestAlgorithms,
  digestMismatch,
  digestToVerify,
  isDigestHex,
  isUploadId,
  parseBlobDigest,
  rangeFits,
  rangeOutside,
  uploadUnknown,
  type ParsedDigest,
} from './names.js';
import { UploadHashes } from './upload-hashes.js';

const uploadsFolder = '_uploads';
/** Read size for serving blobs: fewer system calls than the default 64 KiB, still small. */
const readChunkBytes = 256 * 1024;

/** Opens (creating when needed) the filesystem blob store rooted at `root`. */
export async function openFsBlobStore(root: string): Promise<BlobStore> {
  const absolute = resolve(root);
  try {
    await mkdir(join(absolute, uploadsFolder), { recursive: true });
  } catch (error) {
    throw fullDiskAsStoreError(error);
  }
  return new FsBlobStore(absolute);
}

class FsBlobStore implements BlobStore {
  readonly #root: string;
  readonly #uploads: string;
  readonly #locks = new KeyedLock();
  readonly #hashes = new UploadHashes();

  constructor(root: string) {
    this.#root = root;
    this.#uploads = join(root, uploadsFolder);
  }

  #blobPath({ algorithm, hex }: ParsedDigest): string {
    return join(this.#root, algorithm, hex.slice(0, 2), hex);
  }

  #uploadPath(id: string): string {
    return join(this.#uploads, id);
  }

  async stat(digest: Digest): Promise<BlobInfo | undefined> {
    const parsed = parseBlobDigest(digest);
    if (parsed === undefined) return undefined;
    const info = await stat(this.#blobPath(parsed)).catch(ignoreMissing);
    return info?.isFile() === true ? { digest, size: info.size } : undefined;
  }

  async open(digest: Digest, range?: ByteRange): Promise<Readable> {
    const parsed = parseBlobDigest(digest);
    if (parsed === undefined) throw blobUnknown(digest);
    const file = await open(this.#blobPath(parsed), 'r').catch(ignoreMissing);
    if (file === undefined) throw blobUnknown(digest);
    try {
      const { size } = await file.stat();
      if (range !== undefined && !rangeFits(range, size)) throw rangeOutside(digest, range, size);
    } catch (error) {
      await file.close();
      throw error;
    }
    // The open handle keeps reading the bytes even if the blob is deleted meanwhile.
    return file.createReadStream({
      start: range?.start,
      end: range?.end,
      highWaterMark: readChunkBytes,
    });
  }

  async delete(digest: Digest): Promise<boolean> {
    const parsed = parseBlobDigest(digest);
    if (parsed === undefined) return false;
    const path = this.#blobPath(parsed);
    try {
      await rm(path);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return false;
      throw error;
    }
    await syncDirectory(dirname(path));
    return true;
  }

  async *list(): AsyncIterable<BlobInfo> {
    for (const algorithm of digestAlgorithms) {
      for await (const prefix of entriesOf(join(this.#root, algorithm))) {
        if (!prefix.isDirectory() || !/^[0-9a-f]{2}$/.test(prefix.name)) continue;
        for await (const entry of entriesOf(join(this.#root, algorithm, prefix.name))) {
          if (!entry.isFile() || !entry.name.startsWith(prefix.name)) continue;
          if (!isDigestHex(algorithm, entry.name)) continue;
          const digest = `${algorithm}:${entry.name}`;
          const info = await this.stat(digest);
          if (info !== undefined) yield info;
        }
      }
    }
  }

  async createUpload(id: string): Promise<void> {
    checkUploadId(id);
    await this.#locks.run(id, async () => {
      try {
        await writeFile(this.#uploadPath(id), new Uint8Array(0));
        await syncDirectory(this.#uploads);
      } catch (error) {
        await rm(this.#uploadPath(id), { force: true });
        throw fullDiskAsStoreError(error);
      }
      this.#hashes.start(id);
    });
  }

  async appendUpload(
    id: string,
    offset: number,
    data: Readable,
    maxBytes: number,
  ): Promise<number> {
    checkUploadId(id);
    return this.#locks.run(id, async () => {
      const file = await open(this.#uploadPath(id), 'r+').catch(ignoreMissing);
      if (file === undefined) throw uploadUnknown(id);
      try {
        const { size } = await file.stat();
        if (size !== offset) {
          throw new StoreError(
            'STORE_RANGE_INVALID',
            `upload ${id} holds ${size} bytes; a chunk at offset ${offset} does not follow them`,
          );
        }
        const hash = this.#hashes.continueAt(id, offset);
        const written = await this.#appendBody(file, id, offset, data, maxBytes, hash);
        if (hash === undefined) this.#hashes.forget(id);
        else this.#hashes.set(id, { size: offset + written, hash });
        return offset + written;
      } finally {
        await file.close();
      }
    });
  }

  /** Writes the body at `offset` and fsyncs; on any failure truncates back to `offset`. */
  async #appendBody(
    file: FileHandle,
    id: string,
    offset: number,
    data: Readable,
    maxBytes: number,
    hash: Hash | undefined,
  ): Promise<number> {
    let written = 0;
    try {
      // Leaving the loop early must not destroy the body: the caller still answers its request.
      for await (const chunk of data.iterator({ destroyOnReturn: false }) as AsyncIterable<
        Buffer | string
      >) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        // Written so that a NaN limit refuses everything rather than nothing.
        if (!(written + bytes.length <= maxBytes)) {
          throw new StoreError(
            'LIMIT_EXCEEDED',
            `upload ${id}: a chunk larger than the ${maxBytes}-byte limit`,
          );
        }
        await writeAllAt(file, bytes, offset + written);
        written += bytes.length;
        hash?.update(bytes);
      }
      await file.sync();
      return written;
    } catch (error) {
      try {
        await file.truncate(offset);
        await file.sync();
      } catch {
        // The size check of the next append refuses the leftover; the running hash is void.
        this.#hashes.forget(id);
      }
      throw fullDiskAsStoreError(error);
    }
  }

  async uploadSize(id: string): Promise<number | undefined> {
    if (!isUploadId(id)) return undefined;
    const info = await stat(this.#uploadPath(id)).catch(ignoreMissing);
    return info?.isFile() === true ? info.size : undefined;
  }

  async commitUpload(id: string, digest: Digest): Promise<BlobInfo> {
    checkUploadId(id);
    const parsed = digestToVerify(digest);
    return this.#locks.run(id, async () => {
      const uploadPath = this.#uploadPath(id);
      const size = await this.uploadSize(id);
      if (size === undefined) throw uploadUnknown(id);
      const actual =
        (parsed.algorithm === 'sha256' ? this.#hashes.digestHex(id, size) : undefined) ??
        (await hashFile(uploadPath, parsed.algorithm));
      this.#hashes.forget(id);
      if (actual !== parsed.hex) {
        await rm(uploadPath, { force: true });
        throw digestMismatch(digest, `${parsed.algorithm}:${actual}`);
      }
      const target = this.#blobPath(parsed);
      try {
        await this.#makeBlobDirectory(dirname(target));
        const existing = await stat(target).catch(ignoreMissing);
        if (existing?.isFile() === true) {
          // The same digest is the same bytes: keep the stored blob untouched.
          await rm(uploadPath, { force: true });
        } else {
          await syncFile(uploadPath);
          await rename(uploadPath, target);
          await syncDirectory(dirname(target));
        }
      } catch (error) {
        throw fullDiskAsStoreError(error);
      }
      return { digest, size };
    });
  }

  /**
   * Creates `<alg>/<xx>` one level at a time (a recursive mkdir reports a full disk as ENOENT),
   * making each new entry durable in its parent.
   */
  async #makeBlobDirectory(dir: string): Promise<void> {
    const levels = [dirname(dir), dir];
    for (const level of levels) {
      try {
        await mkdir(level);
      } catch (error) {
        if (errnoCode(error) === 'EEXIST') continue;
        throw error;
      }
      await syncDirectory(dirname(level));
    }
  }

  async abortUpload(id: string): Promise<void> {
    if (!isUploadId(id)) return;
    await this.#locks.run(id, async () => {
      this.#hashes.forget(id);
      await rm(this.#uploadPath(id), { force: true });
    });
  }

  async *listUploads(): AsyncIterable<string> {
    for await (const entry of entriesOf(this.#uploads)) {
      if (entry.isFile() && isUploadId(entry.name)) yield entry.name;
    }
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }
}
