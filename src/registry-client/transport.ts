/**
 * One HTTP exchange with a registry: connect, idle and total timeouts and checked byte counts
 * (util/timed-fetch.ts), redirects followed by hand so that the registry's `Authorization` header
 * never reaches another host (registries redirect blob reads to object storage), and a bounded
 * body reader.
 */
import { LimitExceededError, MoatError } from '../errors.js';
import { timedFetch, type FetchLike, type HttpTimeouts } from '../util/timed-fetch.js';

/** What one exchange needs beyond the URL. */
export interface ExchangeOptions {
  method?: 'GET' | 'HEAD' | 'PUT' | 'POST';
  headers: Record<string, string>;
  /** Request body (PUT, POST); re-sent only on a 307/308 redirect, which keeps the method. */
  body?: Buffer;
  /** Sent only to the origin of the first URL, never after a redirect to another origin. */
  authorization?: string;
  /** Connect, idle and total timeouts (util/timed-fetch.ts defaults). */
  timeouts?: HttpTimeouts;
  /** The body fails as soon as it passes this many bytes (a blob's declared size). */
  maxBytes?: number;
  /** The error for a body past `maxBytes`. */
  tooLong?: (maxBytes: number) => Error;
  /** Most redirects followed (default 5). */
  maxRedirects?: number;
  /** Sends instead of the global `fetch`. */
  fetch?: FetchLike;
}

/** A response and the URL it finally came from (after redirects). */
export interface Exchange {
  response: Response;
  url: URL;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * Sends one request, following redirects; `Authorization` goes only to the first URL's origin.
 * @example const { response } = await exchange(new URL('http://127.0.0.1:5000/v2/'), { headers: {} });
 */
export async function exchange(url: URL, options: ExchangeOptions): Promise<Exchange> {
  const origin = url.origin;
  const maxRedirects = options.maxRedirects ?? 5;
  let current = url;
  for (let hop = 0; ; hop += 1) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.authorization !== undefined && current.origin === origin) {
      headers.authorization = options.authorization;
    }
    const response = await timedFetch(
      current,
      {
        method: options.method ?? 'GET',
        headers,
        redirect: 'manual',
        ...(options.body !== undefined ? { body: options.body } : {}),
      },
      {
        label: `${current.host}${current.pathname}`,
        ...(options.timeouts !== undefined ? { timeouts: options.timeouts } : {}),
        ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
        ...(options.tooLong !== undefined ? { tooLong: options.tooLong } : {}),
        ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
      },
    );
    const location = response.headers.get('location');
    if (!redirectStatuses.has(response.status) || location === null) {
      return { response, url: current };
    }
    await response.body?.cancel();
    if (hop >= maxRedirects) {
      throw new MoatError(
        'REGISTRY_PROTOCOL',
        `${url.host}: more than ${maxRedirects} redirects fetching ${url.pathname}`,
      );
    }
    // A redirected write may only be replayed as is (307/308); anything else would change its meaning.
    if (options.body !== undefined && response.status !== 307 && response.status !== 308) {
      throw new MoatError(
        'REGISTRY_PROTOCOL',
        `${url.host}: HTTP ${response.status} redirect of a ${options.method ?? 'GET'} to ${url.pathname}`,
      );
    }
    const next = new URL(location, current);
    if (next.protocol !== 'https:' && next.protocol !== 'http:') {
      throw new MoatError(
        'REGISTRY_PROTOCOL',
        `${url.host}: redirect to unsupported scheme ${next.protocol} fetching ${url.pathname}`,
      );
    }
    current = next;
  }
}

/**
 * Reads a whole response body, failing with `LIMIT_EXCEEDED` once it passes `maxBytes`
 * (checked against `Content-Length` first, then while reading).
 */
export async function readBodyBounded(
  response: Response,
  maxBytes: number,
  what: string,
): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new LimitExceededError(
      `${what} is ${declared} bytes, more than the limit of ${maxBytes}`,
    );
  }
  if (response.body === null) return Buffer.alloc(0);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new LimitExceededError(`${what} is more than the limit of ${maxBytes} bytes`);
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks, total);
}
