/**
 * Streams under the S3 blob store: a request body counted against its limit (with the failure
 * kept apart from S3's), the first bytes of a body, and bounded concurrency.
 */
import { Readable } from 'node:stream';

import { StoreError } from '../../errors.js';

/** A body on its way to S3: the stream to send, what it read, and why it failed, if it did. */
export interface CountedBody {
  stream: Readable;
  readonly bytes: number;
  readonly failure: Error | undefined;
}

/**
 * Wraps `data` so that it fails once more than `maxBytes` arrive. The caller's stream is never
 * destroyed here: whoever owns it (an HTTP request) still has to answer.
 */
export function countedBody(data: Readable, maxBytes: number, name: string): CountedBody {
  const state = { bytes: 0, failure: undefined as Error | undefined };
  async function* counted() {
    try {
      for await (const chunk of data.iterator({ destroyOnReturn: false }) as AsyncIterable<
        Buffer | string
      >) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (!(state.bytes + bytes.length <= maxBytes)) {
          throw new StoreError(
            'LIMIT_EXCEEDED',
            `${name}: a chunk larger than the ${maxBytes}-byte limit`,
          );
        }
        state.bytes += bytes.length;
        yield bytes;
      }
    } catch (error) {
      state.failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
  }
  return {
    stream: Readable.from(counted()),
    get bytes() {
      return state.bytes;
    },
    get failure() {
      return state.failure;
    },
  };
}

/** Runs `task` over `items`, at most `limit` at once. */
export async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The first `length` bytes of `body`, which is destroyed once they are read. */
export function firstBytes(body: Readable, length: number): Readable {
  async function* taken() {
    let left = length;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        if (chunk.length >= left) {
          yield chunk.subarray(0, left);
          return;
        }
        left -= chunk.length;
        yield chunk;
      }
    } finally {
      body.destroy();
    }
  }
  return Readable.from(taken());
}
