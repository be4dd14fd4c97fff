/**
 * Downloads one source over HTTP(S) to a local file, with conditional GET (ETag and
 * If-Modified-Since), a byte limit and connect, idle and total timeouts (util/timed-fetch.ts); a
 * 304 answer means there is nothing new.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';

import { LimitExceededError, MoatError, isMoatError } from '../errors.js';
import {
  defaultTransferTimeouts,
  httpTimeoutsFromEnv,
  timedFetch,
  type HttpTimeouts,
} from '../util/timed-fetch.js';

/** Options of {@link downloadToFile}. */
export interface DownloadOptions {
  maxBytes: number;
  /** The validators of the copy already held, for a conditional GET. */
  etag?: string | null;
  lastModified?: string | null;
  /**
   * Defaults: 30 s to the response headers, 60 s of silence mid-body, 2 hours in all; the
   * `MOAT_HTTP_*_TIMEOUT` environment variables override them, these options override both.
   */
  timeouts?: HttpTimeouts;
}

/** The outcome of a download. */
export type DownloadResult =
  | { status: 'not-modified' }
  | { status: 'downloaded'; etag?: string; lastModified?: string; bytes: number };

/**
 * Fetches `url` into `dest` unless the server says the held copy is current.
 * @throws MoatError DB_SOURCE_UNAVAILABLE for network errors and non-2xx answers, LIMIT_EXCEEDED,
 * HTTP_TIMEOUT for a server that stalls or trickles, HTTP_BODY_INVALID for a cut-off body.
 */
export async function downloadToFile(
  url: string,
  dest: string,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const headers: Record<string, string> = {};
  if (options.etag) headers['if-none-match'] = options.etag;
  if (options.lastModified) headers['if-modified-since'] = options.lastModified;
  let response: Response;
  try {
    response = await timedFetch(
      url,
      { headers, redirect: 'follow' },
      {
        label: url,
        timeouts: {
          ...defaultTransferTimeouts,
          ...httpTimeoutsFromEnv(process.env),
          ...options.timeouts,
        },
        maxBytes: options.maxBytes,
        tooLong: (max) => new LimitExceededError(`${url}: more than ${max} bytes`),
      },
    );
  } catch (cause) {
    if (isMoatError(cause)) throw cause;
    throw new MoatError('DB_SOURCE_UNAVAILABLE', `${url}: ${describe(cause)}`, { cause });
  }
  if (response.status === 304) {
    await response.body?.cancel();
    return { status: 'not-modified' };
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new MoatError('DB_SOURCE_UNAVAILABLE', `${url}: HTTP ${response.status}`);
  }
  let bytes = 0;
  try {
    // The byte limit is enforced by the body itself (timedFetch's maxBytes); this only counts.
    await pipeline(
      Readable.fromWeb(response.body as ReadableStream<Uint8Array>),
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(dest),
    );
  } catch (cause) {
    await rm(dest, { force: true });
    if (isMoatError(cause)) throw cause;
    throw new MoatError('DB_SOURCE_UNAVAILABLE', `${url}: download failed: ${describe(cause)}`, {
      cause,
    });
  }
  const etag = response.headers.get('etag');
  const lastModified = response.headers.get('last-modified');
  return {
    status: 'downloaded',
    bytes,
    ...(etag ? { etag } : {}),
    ...(lastModified ? { lastModified } : {}),
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
