/**
 * Moat's error catalogue: every error Moat raises on purpose is a {@link MoatError} with a stable
 * string code. `docs/errors.md` lists the codes; the CLI maps `input` errors to exit code 2.
 */

/** Every code, with its kind: `input` means the user's input is at fault (CLI exit 2). */
export const errorCodes = {
  USAGE: 'input',
  TARGET_NOT_FOUND: 'input',
  TARGET_INVALID: 'input',
  ARCHIVE_CORRUPT: 'input',
  ARCHIVE_TRUNCATED: 'input',
  DIGEST_MISMATCH: 'input',
  SIZE_MISMATCH: 'input',
  LIMIT_EXCEEDED: 'input',
  UNSUPPORTED_MEDIA_TYPE: 'input',
  MANIFEST_INVALID: 'input',
  PLATFORM_NOT_FOUND: 'input',
  TAG_NOT_FOUND: 'input',
  UNSAFE_PATH: 'input',
  PACKAGE_DB_INVALID: 'input',
  VERSION_INVALID: 'input',
  REGISTRY_UNAUTHORIZED: 'input',
  REGISTRY_DENIED: 'input',
  REGISTRY_NAME_UNKNOWN: 'input',
  REGISTRY_MANIFEST_UNKNOWN: 'input',
  REGISTRY_BLOB_UNKNOWN: 'input',
  REGISTRY_UNAVAILABLE: 'input',
  REGISTRY_PROTOCOL: 'input',
  DB_NOT_FOUND: 'input',
  DB_INVALID: 'input',
  DB_SCHEMA_TOO_NEW: 'input',
  DB_SCHEMA_TOO_OLD: 'input',
  DB_SOURCE_UNAVAILABLE: 'input',
  DB_LOCKED: 'input',
  OSV_INVALID: 'input',
  BUNDLE_INVALID: 'input',
  BUNDLE_SIGNATURE_INVALID: 'input',
  KEY_INVALID: 'input',
  HTTP_TIMEOUT: 'input',
  HTTP_BODY_INVALID: 'input',
  OUTPUT_IS_INPUT: 'input',
  ENVIRONMENT: 'input',
  CONFIG_INVALID: 'input',
  STORE_BLOB_UNKNOWN: 'input',
  STORE_UPLOAD_UNKNOWN: 'input',
  STORE_RANGE_INVALID: 'input',
  STORE_FULL: 'internal',
  STORE_UNAVAILABLE: 'internal',
  DISTRIBUTION: 'input',
  UNAUTHENTICATED: 'input',
  ACCESS_DENIED: 'input',
  INVALID_REQUEST: 'input',
  NOT_FOUND: 'input',
  CONFLICT: 'input',
  RATE_LIMITED: 'input',
  WEAK_PASSWORD: 'input',
  TWO_FACTOR_REQUIRED: 'input',
  CSRF_INVALID: 'input',
  MASTER_KEY_INVALID: 'input',
  AUDIT_CHAIN_BROKEN: 'input',
  KEY_PASSWORD_WRONG: 'input',
  SIGNATURE_INVALID: 'input',
  TRUSTED_ROOT_INVALID: 'input',
  VERIFICATION_FAILED: 'input',
  POLICY_INVALID: 'input',
  POLICY_EVALUATION: 'input',
  POLICY_DENIED: 'input',
  ADMISSION_INVALID: 'input',
  UPSTREAM_UNAVAILABLE: 'input',
  UPSTREAM_INVALID: 'input',
  INTERNAL: 'internal',
} as const;

/** A code from {@link errorCodes}. */
export type MoatErrorCode = keyof typeof errorCodes;

/** Base class for every deliberate Moat error: a code, a one-line message and an optional cause. */
export class MoatError<Code extends MoatErrorCode = MoatErrorCode> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MoatError';
    this.code = code;
  }

  /** True when the user's input, not Moat, is at fault. */
  get isInputError(): boolean {
    return errorCodes[this.code] === 'input';
  }
}

/** A structural problem in an image, archive or package database, naming the file at fault. */
export class InvalidInputError extends MoatError<
  | 'TARGET_INVALID'
  | 'ARCHIVE_CORRUPT'
  | 'ARCHIVE_TRUNCATED'
  | 'MANIFEST_INVALID'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNSAFE_PATH'
  | 'PACKAGE_DB_INVALID'
> {
  override name = 'InvalidInputError';
}

/** Content whose digest or size differs from what its descriptor promised. */
export class IntegrityError extends MoatError<'DIGEST_MISMATCH' | 'SIZE_MISMATCH'> {
  override name = 'IntegrityError';
}

/** Untrusted input exceeded one of Moat's explicit limits (entries, bytes, depth). */
export class LimitExceededError extends MoatError<'LIMIT_EXCEEDED'> {
  override name = 'LimitExceededError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('LIMIT_EXCEEDED', message, options);
  }
}

/** True for any MoatError (also across module copies, by duck typing on `code`). */
export function isMoatError(error: unknown): error is MoatError {
  if (error instanceof MoatError) return true;
  const code: unknown = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && Object.hasOwn(errorCodes, code);
}

/** A storage backend's answer: unknown blob or upload, a range that does not fit, no space. */
export class StoreError extends MoatError<
  | 'STORE_BLOB_UNKNOWN'
  | 'STORE_UPLOAD_UNKNOWN'
  | 'STORE_RANGE_INVALID'
  | 'STORE_FULL'
  | 'STORE_UNAVAILABLE'
  | 'DIGEST_MISMATCH'
  | 'LIMIT_EXCEEDED'
> {
  override name = 'StoreError';
}

/**
 * Signing and verification (`src/sign/`): an unreadable key or wrong password, a malformed
 * signature object, bundle or trusted root, or a verification that ran and failed (CLI exit 3).
 * Messages never contain key material.
 */
export class SignError extends MoatError<
  | 'KEY_INVALID'
  | 'KEY_PASSWORD_WRONG'
  | 'SIGNATURE_INVALID'
  | 'TRUSTED_ROOT_INVALID'
  | 'VERIFICATION_FAILED'
  | 'LIMIT_EXCEEDED'
> {
  override name = 'SignError';
}

/**
 * The compliance gate (`src/policy/`, the registry gate, admission, proxy projects): a policy
 * document that does not validate or compile (`POLICY_INVALID`, naming file, line and key), an
 * expression that fails at evaluation or passes its cost limit (`POLICY_EVALUATION`), a decision
 * that denies (`POLICY_DENIED`, CLI exit 3), a malformed AdmissionReview, an upstream registry that
 * is down or lies about digests.
 */
export class PolicyError extends MoatError<
  | 'POLICY_INVALID'
  | 'POLICY_EVALUATION'
  | 'POLICY_DENIED'
  | 'ADMISSION_INVALID'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_INVALID'
  | 'LIMIT_EXCEEDED'
> {
  override name = 'PolicyError';
}
