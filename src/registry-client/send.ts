/**
 * One request to a registry or its token server, retried as retry.ts decides (network errors,
 * 429 and 5xx, `Retry-After`); a request that never got a usable answer becomes
 * `REGISTRY_UNAVAILABLE` naming what was asked for. Other statuses are the caller's to judge.
 */
import { MoatError } from '../errors.js';
import { unavailableError, type RequestContext } from './registry-errors.js';
import { isRetryableStatus, withRetry, type RetryOptions } from './retry.js';
import { exchange } from './transport.js';
import { HttpTimeoutError, type FetchLike, type HttpTimeouts } from '../util/timed-fetch.js';

/** What {@link sendWithRetry} needs beyond the URL. */
export interface SendOptions {
  /** GET by default; a POST is never retried (it is not idempotent), a PUT is. */
  method?: 'GET' | 'HEAD' | 'PUT' | 'POST';
  body?: Buffer;
  headers: Record<string, string>;
  authorization?: string;
  timeouts?: HttpTimeouts;
  /** The body fails as soon as it passes this many bytes (a blob's declared size). */
  maxBytes?: number;
  /** The error for a body past `maxBytes`. */
  tooLong?: (maxBytes: number) => Error;
  retry?: RetryOptions;
  /** Names the request in errors. */
  context: RequestContext;
  /** Who answered, for retry reasons (`token server`); the registry when absent. */
  peer?: string;
  /** Sends instead of the global `fetch`. */
  fetch?: FetchLike;
}

/** Sends a request to `url`, retrying transient failures; resolves with the final response. */
export function sendWithRetry(url: URL, options: SendOptions): Promise<Response> {
  const prefix = options.peer === undefined ? '' : `${options.peer} `;
  return withRetry<Response>(
    async () => {
      const { response } = await exchange(url, {
        ...(options.method !== undefined ? { method: options.method } : {}),
        ...(options.body !== undefined ? { body: options.body } : {}),
        headers: options.headers,
        ...(options.authorization !== undefined ? { authorization: options.authorization } : {}),
        ...(options.timeouts !== undefined ? { timeouts: options.timeouts } : {}),
        ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
        ...(options.tooLong !== undefined ? { tooLong: options.tooLong } : {}),
        ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
      });
      if (!isRetryableStatus(response.status)) return { kind: 'done', value: response };
      return {
        kind: 'retry',
        reason: `${prefix}HTTP ${response.status}`,
        retryAfter: response.headers.get('retry-after'),
        final: () => response,
        discard: () => void response.body?.cancel(),
      };
    },
    {
      ...options.retry,
      ...(options.method === 'POST' ? { maxAttempts: 1 } : {}),
      // A server that never answered may answer the next time; attempts stay bounded.
      isFinalError: (e) => e instanceof MoatError && !(e instanceof HttpTimeoutError),
    },
  ).catch((error: unknown) => {
    throw unavailableError(error, options.context);
  });
}
