/**
 * Bounded random access to a spooled file (or, in tests, a buffer): every read is checked
 * against the source's size and fails with a typed error instead of returning short data.
 */
import { open, type FileHandle } from 'node:fs/promises';

import { InvalidInputError } from '../../errors.js';

/** Random access to bytes whose total size is known up front. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Reads exactly `length` bytes at `offset`; throws ARCHIVE_TRUNCATED if they are not all there. */
  read(offset: number, length: number): Promise<Buffer>;
}

/** A {@link ByteSource} that is also an open file to close. */
export interface FileByteSource extends ByteSource {
  close(): Promise<void>;
}

function checkRange(size: number, offset: number, length: number): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  ) {
    throw new InvalidInputError(
      'ARCHIVE_TRUNCATED',
      `read of ${length} bytes at offset ${offset} is past the end (${size} bytes)`,
    );
  }
}

/** Wraps an in-memory buffer. */
export function bufferByteSource(buffer: Buffer): ByteSource {
  return {
    size: buffer.length,
    read(offset, length) {
      checkRange(buffer.length, offset, length);
      return Promise.resolve(buffer.subarray(offset, offset + length));
    },
  };
}

/** Opens a file for bounded random reads; the caller must `close()` it. */
export async function openFileByteSource(path: string): Promise<FileByteSource> {
  const handle: FileHandle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return {
      size,
      async read(offset, length) {
        checkRange(size, offset, length);
        const buffer = Buffer.alloc(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
          if (bytesRead === 0) {
            throw new InvalidInputError(
              'ARCHIVE_TRUNCATED',
              `file shrank while reading at ${offset}`,
            );
          }
          done += bytesRead;
        }
        return buffer;
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
