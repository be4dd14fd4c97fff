/**
 * One HTTP exchange with a registry over Node's built-in fetch: a timeout until response headers
 * arrive, redirects followed by hand so that the registry's `Authorization` header never reaches
 * another host (registries redirect blob reads to object storage), and a bounded body reader.
 */
import { LimitExceededError, MoatError } from '../errors.js';

/** What one exchange needs beyond the URL. */
export interface ExchangeOptions {
  method?: 'GET' | 'HEAD';
  headers: Record<string, string>;
  /** Sent only to the origin of the first URL, never after a redirect to another origin. */
  authorization?: string;
  /** Give up when response headers take longer than this (default 30 s). */
  headersTimeoutMs?: number;
  /** Most redirects followed (default 5). */
  maxRedirects?: number;
}

/** A response and the URL it finally came from (after redirects). */
export interface Exchange {
  response: Response;
  url: URL;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** Thrown when no response headers arrived in time; counts as a retryable network failure. */
export class HeadersTimeoutError extends Error {
  override name = 'HeadersTimeoutError';
}

async function fetchWithTimeout(url: URL, init: RequestInit, timeoutMs: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetch(url, { ...init, signal: controller.signal, redirect: 'manual' });
  } catch (error) {
    if (controller.signal.aborted) {
      throw new HeadersTimeoutError(`${url.host}: no response within ${timeoutMs} ms`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    // Headers are in (or the request failed): the body may now take as long as it needs.
    clearTimeout(timer);
  }
}

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
    const response = await fetchWithTimeout(
      current,
      { method: options.method ?? 'GET', headers },
      options.headersTimeoutMs ?? 30_000,
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
