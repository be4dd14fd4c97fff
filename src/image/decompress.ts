/**
 * Layer decompression chosen by magic bytes rather than by media type (registries and archives
 * mislabel layers often enough): gzip `1f 8b`, zstd `28 b5 2f fd`, anything else is plain tar.
 * zstd is decoded by fzstd's streaming decoder so no native module is needed.
 */
import { Transform, type TransformCallback, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { Decompress } from 'fzstd';

import { InvalidInputError, isMoatError, type MoatError } from '../errors.js';
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

class ZstdDecompress extends Transform {
  private readonly decoder = new Decompress((data) => {
    this.push(Buffer.from(data));
  });

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}

/** A Transform that decompresses `compression`, or undefined for plain tar. */
export function decompressor(compression: LayerCompression): Transform | undefined {
  if (compression === 'gzip') return createGunzip({ chunkSize: blobChunkBytes });
  if (compression === 'zstd') return new ZstdDecompress();
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
