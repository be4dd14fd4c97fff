/**
 * The chunk objects of an S3 upload: listed in offset order and checked to be contiguous from 0,
 * so that the sum of their sizes is the upload's size. At most `maxChunks` per upload, which
 * bounds what every append and commit lists.
 */
import { StoreError } from '../../errors.js';
import type { S3Bucket } from './s3-bucket.js';
import type { S3Keys } from './s3-keys.js';

/** Most appends (chunk objects) one upload may have; S3's own multipart limit is the same. */
export const maxChunks = 10_000;

/** One acknowledged append of an upload. */
export interface Chunk {
  key: string;
  offset: number;
  size: number;
}

/** The upload's chunks in order; undefined when the upload does not exist. */
export async function listChunks(
  bucket: S3Bucket,
  keys: S3Keys,
  id: string,
): Promise<Chunk[] | undefined> {
  const chunks: Chunk[] = [];
  let session = false;
  const sessionKey = keys.session(id);
  for await (const page of bucket.list(keys.upload(id))) {
    for (const object of page.Contents ?? []) {
      const key = object.Key ?? '';
      if (key === sessionKey) session = true;
      const offset = keys.chunkOffset(id, key);
      if (offset !== undefined) chunks.push({ key, offset, size: object.Size ?? 0 });
      if (chunks.length > maxChunks) {
        throw new StoreError('LIMIT_EXCEEDED', `upload ${id} has more than ${maxChunks} chunks`);
      }
    }
  }
  if (!session && chunks.length === 0) return undefined;
  chunks.sort((a, b) => a.offset - b.offset);
  let expected = 0;
  for (const chunk of chunks) {
    if (chunk.offset !== expected) {
      const at = Math.min(chunk.offset, expected);
      throw new StoreError('STORE_RANGE_INVALID', `upload ${id}: a gap or overlap at byte ${at}`);
    }
    expected += chunk.size;
  }
  return chunks;
}

/** The bytes the chunks hold together. */
export function sizeOf(chunks: readonly Chunk[]): number {
  let size = 0;
  for (const chunk of chunks) size += chunk.size;
  return size;
}
