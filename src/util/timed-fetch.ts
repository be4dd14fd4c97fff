/**
 * `fetch` with the three timeouts a download needs and a body that is checked as it streams.
 * Node's fetch alone waits 300 s for headers and 300 s between body chunks, and has no bound
 * at all on a server that trickles one byte every few seconds; nor does it notice a body longer
 * than its `Content-Length` (the extra bytes are read as the next response and dropped).
 */
import { MoatError } from '../errors.js';

/** How long one HTTP exchange may take, in milliseconds. */
export interface HttpTimeouts {
  /** From sending the request to receiving the response headers (connect, TLS, server think time). */
  connectMs?: number;
  /** Longest silence from the server while the body is being read. */
  idleMs?: number;
  /** The whole exchange, headers and body together. */
  totalMs?: number;
}

/** Defaults for small documents (manifests, tokens, error bodies): 30 s, 60 s and 10 minutes. */
export const defaultHttpTimeouts: Required<HttpTimeouts> = {
  connectMs: 30_000,
  idleMs: 60_000,
  totalMs: 10 * 60_000,
};

/** Defaults for large transfers (layer blobs, database downloads): the total is 2 hours. */
export const defaultTransferTimeouts: Required<HttpTimeouts> = {
  ...defaultHttpTimeouts,
  totalMs: 2 * 60 * 60_000,
};

const timeoutVariables = [
  ['MOAT_HTTP_CONNECT_TIMEOUT', 'connectMs'],
  ['MOAT_HTTP_IDLE_TIMEOUT', 'idleMs'],
  ['MOAT_HTTP_TOTAL_TIMEOUT', 'totalMs'],
] as const;

/**
 * The timeouts set in the environment: `MOAT_HTTP_CONNECT_TIMEOUT`, `MOAT_HTTP_IDLE_TIMEOUT`
 * and `MOAT_HTTP_TOTAL_TIMEOUT`, each in seconds (decimals allowed).
 * @throws MoatError USAGE naming the variable when a value is not a positive number.
 */
export function httpTimeoutsFromEnv(env: Record<string, string | undefined>): HttpTimeouts {
  const timeouts: HttpTimeouts = {};
  for (const [variable, key] of timeoutVariables) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    const seconds = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!(seconds > 0) || seconds * 1000 > 2 ** 31 - 1) {
      throw new MoatError(
        'USAGE',
        `${variable}=${JSON.stringify(text)}: expected a number of seconds between 0.001 and 2147483`,
      );
    }
    timeouts[key] = Math.max(1, Math.round(seconds * 1000));
  }
  return timeouts;
}

/** A server that did not answer, fell silent, or did not finish in time. */
export class HttpTimeoutError extends MoatError<'HTTP_TIMEOUT'> {
  override name = 'HttpTimeoutError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('HTTP_TIMEOUT', message, options);
  }
}

/** A response body shorter or longer than its `Content-Length`, or cut off mid-way. */
export class HttpBodyError extends MoatError<'HTTP_BODY_INVALID'> {
  override name = 'HttpBodyError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('HTTP_BODY_INVALID', message, options);
  }
}

/** What {@link timedFetch} needs beyond the request. */
export interface TimedFetchOptions {
  timeouts?: HttpTimeouts;
  /** Names the request in errors (`registry.example/v2/app/blobs/sha256:…`). */
  label: string;
  /** Fails the body as soon as it passes this many bytes (e.g. a blob's declared size). */
  maxBytes?: number;
  /** The error for a body past `maxBytes`; an {@link HttpBodyError} by default. */
  tooLong?: (maxBytes: number) => Error;
  /** Sends the request instead of the global `fetch` (an in-process registry, see {@link FetchLike}). */
  fetch?: FetchLike;
}

/**
 * A `fetch` stand-in: `moat serve` reads and writes its own registry in-process through one
 * (signature verification, signed scan referrers), with no socket and no credentials.
 */
export type FetchLike = (url: URL | string, init: RequestInit) => Promise<Response>;

/**
 * Sends one request; the returned response's body enforces the idle and total timeouts and the
 * byte counts. A timeout before the headers rejects with {@link HttpTimeoutError}.
 * @example const response = await timedFetch(url, { headers }, { label: url.href, timeouts: { idleMs: 5_000 } });
 */
export async function timedFetch(
  url: URL | string,
  init: RequestInit,
  options: TimedFetchOptions,
): Promise<Response> {
  const timeouts = { ...defaultHttpTimeouts, ...options.timeouts };
  const { label } = options;
  const controller = new AbortController();
  let timedOut: HttpTimeoutError | undefined;
  const fail = (error: HttpTimeoutError): void => {
    timedOut ??= error;
    controller.abort(error);
  };
  const total = setTimeout(
    () => fail(new HttpTimeoutError(`${label}: not finished within ${timeouts.totalMs} ms`)),
    timeouts.totalMs,
  );
  const connect = setTimeout(
    () => fail(new HttpTimeoutError(`${label}: no response within ${timeouts.connectMs} ms`)),
    timeouts.connectMs,
  );
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { ...init, signal: controller.signal });
  } catch (error) {
    clearTimeout(total);
    throw timedOut ?? error;
  } finally {
    clearTimeout(connect);
  }
  if (response.body === null) {
    clearTimeout(total);
    return response;
  }
  const body = guardedBody(response.body as ReadableStream<Uint8Array>, {
    label,
    idleMs: timeouts.idleMs,
    expectedBytes: declaredLength(response),
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    tooLong:
      options.tooLong ??
      ((max) => new HttpBodyError(`${label}: body is longer than the ${max} bytes expected`)),
    onIdle: fail,
    timedOut: () => timedOut,
    done: () => clearTimeout(total),
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** The `Content-Length` of an unencoded body; undefined when fetch decodes it or none is sent. */
function declaredLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') return undefined;
  const text = response.headers.get('content-length');
  if (text === null || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

interface GuardOptions {
  label: string;
  idleMs: number;
  expectedBytes: number | undefined;
  maxBytes?: number;
  tooLong: (maxBytes: number) => Error;
  onIdle: (error: HttpTimeoutError) => void;
  timedOut: () => HttpTimeoutError | undefined;
  done: () => void;
}

/** Re-streams `source`, failing on silence, on a byte count that breaks a promise, or on a cut. */
function guardedBody(
  source: ReadableStream<Uint8Array>,
  options: GuardOptions,
): ReadableStream<Uint8Array> {
  const { label, expectedBytes, maxBytes } = options;
  const reader = source.getReader();
  let received = 0;
  // Throwing from pull() errors the stream with that error; the request is released first.
  const fail = (error: Error): never => {
    options.done();
    void reader.cancel(error).catch(() => undefined);
    throw error;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // The idle clock runs only while we wait for the server, never while the reader is busy.
      const idle = setTimeout(
        () =>
          options.onIdle(
            new HttpTimeoutError(
              `${label}: no data for ${options.idleMs} ms after ${received} bytes`,
            ),
          ),
        options.idleMs,
      );
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        const timedOut = options.timedOut();
        if (timedOut !== undefined) return fail(timedOut);
        const of = expectedBytes !== undefined ? ` of ${expectedBytes}` : '';
        return fail(
          new HttpBodyError(`${label}: connection broke after ${received}${of} bytes`, {
            cause: error,
          }),
        );
      } finally {
        clearTimeout(idle);
      }
      if (chunk.done) {
        if (expectedBytes !== undefined && received < expectedBytes) {
          return fail(
            new HttpBodyError(
              `${label}: body ended after ${received} bytes, Content-Length said ${expectedBytes}`,
            ),
          );
        }
        options.done();
        controller.close();
        return;
      }
      received += chunk.value.byteLength;
      if (expectedBytes !== undefined && received > expectedBytes) {
        return fail(
          new HttpBodyError(`${label}: body is longer than its Content-Length of ${expectedBytes}`),
        );
      }
      if (maxBytes !== undefined && received > maxBytes) return fail(options.tooLong(maxBytes));
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      options.done();
      return reader.cancel(reason);
    },
  });
}
