/**
 * Layer decompression chosen by magic bytes rather than by media type (registries and archives
 * mislabel layers often enough): gzip `1f 8b`, zstd `28 b5 2f fd`, anything else is plain tar.
 * zstd is decoded by fzstd's streaming decoder so no native module is needed; it is fed in small
 * slices so that a highly compressed layer cannot inflate faster than it is read.
 */
import { Duplex, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { Decompress } from 'fzstd';

import { InvalidInputError, isMoatError, LimitExceededError, type MoatError } from '../errors.js';
import type { LayerCompression } from './media-types.js';
import { blobChunkBytes } from './io-sizes.js';

/** The compression that the first bytes of a blob announce. */
export function sniffCompression(head: Uint8Array): LayerCompression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (
    head.length >= 4 &&
    head[0] === 0x28 &&
    head[1] === 0xb5 &&
    head[2] === 0x2f &&
    head[3] === 0xfd
  ) {
    return 'zstd';
  }
  return 'none';
}

/** Reads up to `n` bytes from the front of `stream` and puts them back (`unshift`). */
export async function peekBytes(stream: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < n) {
    const chunk = stream.read() as Buffer | null;
    if (chunk !== null) {
      chunks.push(chunk);
      length += chunk.length;
      continue;
    }
    if (stream.errored) throw stream.errored;
    if (stream.readableEnded || stream.destroyed) break;
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        stream.off('readable', done);
        stream.off('end', done);
        stream.off('close', done);
        stream.off('error', done);
        if (error instanceof Error) reject(error);
        else resolve();
      };
      stream.once('readable', done);
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
    });
  }
  const head = Buffer.concat(chunks);
  if (head.length > 0) stream.unshift(head);
  return head.subarray(0, n);
}

/**
 * Compressed bytes handed to fzstd per call. fzstd emits every block a call completes before it
 * returns, and a 4-byte RLE block inflates to 128 KiB, so one call may emit up to
 * 128 KiB × (slice / 4) bytes that nobody asked for yet: 256 bytes keep that under 8.2 MiB,
 * where one 256 KiB file read would have been 8 GiB.
 */
const zstdSliceBytes = 256;

/**
 * Largest zstd window (history) accepted, 64 MiB (window log 26). fzstd allocates the whole
 * window the frame header declares, up to 2 GiB; and with the 128 MiB window of `zstd --long=27`
 * fzstd 0.1.1 was seen to emit wrong bytes, so a clear limit error beats a corrupt-tar one.
 * `zstd` writes windows of 8 MiB or less unless told `--long` or `--ultra`.
 */
export const maxZstdWindowBytes = 64 * 1024 * 1024;

/** The window size of the frame fzstd is decoding, read from its (pinned) internal state. */
function frameWindowBytes(decoder: Decompress): number | undefined {
  const state = (decoder as unknown as { s?: unknown }).s;
  const window = typeof state === 'object' && state !== null ? (state as { e?: unknown }).e : 0;
  return typeof window === 'number' ? window : undefined;
}

/**
 * A zstd decoder that respects backpressure: input goes to fzstd in small slices, and the blocks
 * each slice completes are handed on one by one, each only when the reader asks for more.
 */
function zstdDecompressor(name: string): Duplex {
  return Duplex.from(async function* (source: AsyncIterable<Buffer>) {
    let blocks: Uint8Array[] = [];
    const decoder = new Decompress((block) => {
      if (block.length > 0) blocks.push(block);
    });
    const feed = function* (slice: Uint8Array, final: boolean) {
      decoder.push(slice, final);
      const window = frameWindowBytes(decoder);
      if (window !== undefined && window > maxZstdWindowBytes) {
        throw new LimitExceededError(
          `${name}: zstd frame needs a ${window}-byte window; at most ${maxZstdWindowBytes} bytes are allowed`,
        );
      }
      const ready = blocks;
      blocks = [];
      // fzstd hands over a fresh array per block: wrap it, do not copy it.
      for (const block of ready) yield Buffer.from(block.buffer, block.byteOffset, block.length);
    };
    for await (const chunk of source) {
      for (let at = 0; at < chunk.length; at += zstdSliceBytes) {
        yield* feed(chunk.subarray(at, at + zstdSliceBytes), false);
      }
    }
    yield* feed(new Uint8Array(0), true);
  });
}

/** A stream that decompresses `compression` (`name` names the blob), or undefined for plain tar. */
export function decompressor(compression: LayerCompression, name: string): Duplex | undefined {
  if (compression === 'gzip') return createGunzip({ chunkSize: blobChunkBytes });
  if (compression === 'zstd') return zstdDecompressor(name);
  return undefined;
}

/** Maps zlib, fzstd, tar-stream and stream errors to ARCHIVE_TRUNCATED / ARCHIVE_CORRUPT. */
export function archiveError(error: unknown, name: string): MoatError {
  if (isMoatError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  const truncated =
    code === 'Z_BUF_ERROR' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    code === 5 /* fzstd UnexpectedEOF */ ||
    /unexpected end|unexpected eof/i.test(message);
  return truncated
    ? new InvalidInputError('ARCHIVE_TRUNCATED', `${name}: archive is truncated (${message})`, {
        cause: error,
      })
    : new InvalidInputError('ARCHIVE_CORRUPT', `${name}: archive is corrupt (${message})`, {
        cause: error,
      });
}
