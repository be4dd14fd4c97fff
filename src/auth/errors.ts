/**
 * Errors of the access-control services (users, sessions, tokens, robots, projects, audit,
 * secrets). The `/api/v1` routes map each code to its HTTP status and answer
 * `{error: {code, message}}`; the CLI prints the message and exits 2 (3 for a broken audit chain).
 */
import { MoatError } from '../errors.js';

/** The codes an {@link AuthError} carries. */
export type AuthErrorCode =
  | 'UNAUTHENTICATED'
  | 'ACCESS_DENIED'
  | 'INVALID_REQUEST'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'WEAK_PASSWORD'
  | 'TWO_FACTOR_REQUIRED'
  | 'CSRF_INVALID'
  | 'MASTER_KEY_INVALID'
  | 'AUDIT_CHAIN_BROKEN';

/** A refused or failed access-control operation; `retryAfterSeconds` with `RATE_LIMITED`. */
export class AuthError extends MoatError<AuthErrorCode> {
  override name = 'AuthError';
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: AuthErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(code, message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** The HTTP status of each code on `/api/v1`. */
export const authErrorStatus: Record<AuthErrorCode, number> = {
  UNAUTHENTICATED: 401,
  ACCESS_DENIED: 403,
  INVALID_REQUEST: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  WEAK_PASSWORD: 400,
  TWO_FACTOR_REQUIRED: 401,
  CSRF_INVALID: 403,
  MASTER_KEY_INVALID: 500,
  AUDIT_CHAIN_BROKEN: 500,
};
