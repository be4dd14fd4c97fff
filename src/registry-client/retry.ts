/**
 * Retry policy for registry requests: bounded attempts with exponential backoff and full jitter
 * on network errors, 429 and 5xx; a `Retry-After` header (seconds or HTTP date) replaces the
 * backoff, capped by `maxDelayMs`. Any other 4xx is final.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';

/** How often and how patiently to retry. */
export interface RetryOptions {
  /** Total attempts including the first (default 4). */
  maxAttempts?: number;
  /** Backoff base: attempt n waits up to `baseDelayMs · 2^(n-1)` (default 250). */
  baseDelayMs?: number;
  /** Upper bound on any single wait, including one a `Retry-After` asks for (default 10 s). */
  maxDelayMs?: number;
  /** Called before each wait; useful for progress output and for tests. */
  onRetry?: (event: RetryEvent) => void;
}

/** One decision to retry. */
export interface RetryEvent {
  /** The attempt that failed (1 = first). */
  attempt: number;
  delayMs: number;
  /** `HTTP 503`, `network error: …`. */
  reason: string;
}

/** The outcome of one attempt, as far as retrying is concerned. */
export type AttemptOutcome<T> =
  | { kind: 'done'; value: T }
  | {
      kind: 'retry';
      reason: string;
      retryAfter?: string | null;
      /** The value to return when no attempts are left. */
      final: () => T;
      /** Releases what the failed attempt holds (e.g. an unread body) before the next one. */
      discard?: () => void;
    };

/** True for the HTTP statuses worth retrying. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** Milliseconds a `Retry-After` value asks for, or undefined when it cannot be read. */
export function parseRetryAfter(value: string, now: number = Date.now()): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Runs `attempt` until it is done or attempts run out. A thrown error counts as a retryable
 * network failure unless `isFinalError` says otherwise; after the last attempt the error is
 * rethrown, and a last `retry` outcome returns its `final()` value.
 */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<AttemptOutcome<T>>,
  options: RetryOptions & { isFinalError?: (error: unknown) => boolean } = {},
): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const base = options.baseDelayMs ?? 250;
  const cap = options.maxDelayMs ?? 10_000;
  for (let n = 1; ; n += 1) {
    let outcome: AttemptOutcome<T> | undefined;
    let failure: unknown;
    try {
      outcome = await attempt(n);
    } catch (error) {
      if (options.isFinalError?.(error) === true || n >= maxAttempts) throw error;
      failure = error;
    }
    if (outcome?.kind === 'done') return outcome.value;
    if (outcome !== undefined && n >= maxAttempts) return outcome.final();
    const requested = outcome?.retryAfter != null ? parseRetryAfter(outcome.retryAfter) : undefined;
    const delayMs =
      requested !== undefined
        ? Math.min(requested, cap)
        : Math.floor(Math.random() * Math.min(cap, base * 2 ** (n - 1)));
    const reason = outcome?.reason ?? `network error: ${describe(failure)}`;
    if (outcome?.kind === 'retry') outcome.discard?.();
    options.onRetry?.({ attempt: n, delayMs, reason });
    await sleepFor(delayMs);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
