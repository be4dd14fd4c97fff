import { describe, expect, it } from 'vitest';

import { IntegrityError, LimitExceededError, MoatError, isMoatError } from './errors.js';

describe('MoatError', () => {
  it('carries a code, a cause and whether the input is at fault', () => {
    const cause = new Error('low level');
    const error = new IntegrityError('DIGEST_MISMATCH', 'blob sha256:ab: digest mismatch', {
      cause,
    });
    expect(error.code).toBe('DIGEST_MISMATCH');
    expect(error.cause).toBe(cause);
    expect(error.isInputError).toBe(true);
    expect(isMoatError(error)).toBe(true);
  });

  it('treats INTERNAL as not the input’s fault', () => {
    expect(new MoatError('INTERNAL', 'bug').isInputError).toBe(false);
  });

  it('does not take a plain Error for a MoatError', () => {
    expect(isMoatError(new Error('x'))).toBe(false);
    expect(new LimitExceededError('too many').code).toBe('LIMIT_EXCEEDED');
  });
});

describe('isMoatError and prototype names', () => {
  it('is false for an error whose code is an Object member such as constructor', () => {
    for (const code of ['constructor', 'toString', '__proto__']) {
      expect(isMoatError(Object.assign(new Error('x'), { code }))).toBe(false);
    }
  });
});
