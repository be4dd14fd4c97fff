/**
 * The OCI distribution spec's error codes (spec.md, "Error Codes") with the HTTP status each is
 * answered with, and {@link DistributionError}, which carries one of them from the registry logic
 * to the routes. The routes render it as `{"errors":[{"code","message","detail"}]}`.
 */
import { MoatError } from '../errors.js';

/** Every OCI error code the registry answers with, and its HTTP status. */
export const ociErrorStatus = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  TAG_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  // Not in the spec's table; Distribution's code for a bad `n` in a tags or catalog listing.
  PAGINATION_NUMBER_INVALID: 400,
  // Not in the spec's table; Distribution answers an unsatisfiable range or an out-of-order chunk
  // with 416 and this code.
  RANGE_INVALID: 416,
  // Distribution's code for an internal failure.
  UNKNOWN: 500,
} as const;

/** An OCI error code. */
export type OciErrorCode = keyof typeof ociErrorStatus;

/**
 * A request the registry refuses with an OCI error code. `status` defaults to the code's status;
 * `detail` is the unstructured `detail` of the error body (never a secret, never a stack).
 * @example throw new DistributionError('MANIFEST_UNKNOWN', 'no tag latest in team/app', { detail: { tag: 'latest' } })
 */
export class DistributionError extends MoatError<'DISTRIBUTION'> {
  override name = 'DistributionError';
  readonly ociCode: OciErrorCode;
  readonly status: number;
  readonly detail: unknown;
  /** Response headers the answer needs (`Content-Range` of a 416, `Range` of an upload). */
  readonly headers: Record<string, string>;

  constructor(
    ociCode: OciErrorCode,
    message: string,
    options?: {
      detail?: unknown;
      status?: number;
      cause?: unknown;
      headers?: Record<string, string>;
    },
  ) {
    super('DISTRIBUTION', message, options);
    this.ociCode = ociCode;
    this.status = options?.status ?? ociErrorStatus[ociCode];
    this.detail = options?.detail;
    this.headers = { ...options?.headers };
  }
}
