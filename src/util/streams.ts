/**
 * Reading whole streams with backpressure: to discard them, or into memory under a byte limit.
 */
import type { Readable } from 'node:stream';

import { LimitExceededError } from '../errors.js';

/** Reads and discards a stream, respecting backpressure. */
export async function drain(stream: Readable): Promise<void> {
  for await (const _chunk of stream) {
    // discard
  }
}

/** Reads a stream fully into memory, failing once it exceeds `maxBytes`. */
export async function readAll(stream: Readable, maxBytes: number, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      // Keep reading so the archive behind the stream stays in step, but hold nothing more.
      await drain(stream);
      throw new LimitExceededError(`${name}: larger than the ${maxBytes}-byte limit`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
