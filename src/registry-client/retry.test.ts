import { describe, expect, it } from 'vitest';

import { MoatError } from '../errors.js';
import { isRetryableStatus, parseRetryAfter, withRetry } from './retry.js';

describe('parseRetryAfter', () => {
  it('reads delta seconds', () => {
    expect(parseRetryAfter('3')).toBe(3000);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('Sun, 29 Nov 2026 10:00:00 GMT');
    expect(parseRetryAfter('Sun, 29 Nov 2026 10:00:02 GMT', now)).toBe(2000);
  });

  it('treats a date in the past as no wait', () => {
    const now = Date.parse('Sun, 29 Nov 2026 10:00:00 GMT');
    expect(parseRetryAfter('Sun, 29 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('ignores a value it cannot read', () => {
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('isRetryableStatus', () => {
  it.each([429, 500, 502, 503, 504])('retries %i', (status) => {
    expect(isRetryableStatus(status)).toBe(true);
  });

  it.each([400, 401, 403, 404, 405])('does not retry %i', (status) => {
    expect(isRetryableStatus(status)).toBe(false);
  });
});

describe('withRetry', () => {
  it('rethrows a final error without another attempt', async () => {
    let attempts = 0;
    const failing = withRetry(
      () => {
        attempts += 1;
        return Promise.reject(new MoatError('REGISTRY_DENIED', 'no'));
      },
      { baseDelayMs: 1, isFinalError: (e) => e instanceof MoatError },
    );
    await expect(failing).rejects.toMatchObject({ code: 'REGISTRY_DENIED' });
    expect(attempts).toBe(1);
  });

  it('returns the last outcome once attempts run out', async () => {
    let attempts = 0;
    const result = await withRetry(
      () => {
        attempts += 1;
        return Promise.resolve({ kind: 'retry' as const, reason: 'busy', final: () => attempts });
      },
      { maxAttempts: 3, baseDelayMs: 1 },
    );
    expect(result).toBe(3);
  });
});
