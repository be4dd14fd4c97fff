/**
 * What an upstream failure means for a pull-through: the registry client's errors sorted into
 * "upstream unavailable" (network, timeouts, 5xx, 429, refused credentials — a stored copy may be
 * served instead), "not there" (404: the client's pull is refused with `MANIFEST_UNKNOWN` /
 * `BLOB_UNKNOWN`) and "upstream invalid" (digests, sizes, media types or documents that do not
 * hold up — nothing is stored). {@link ociErrorOf} renders them for the `/v2` routes.
 */
import { DistributionError } from '../../distribution/errors.js';
import { isMoatError, PolicyError } from '../../errors.js';

const unavailableCodes = new Set([
  'REGISTRY_UNAVAILABLE',
  'REGISTRY_UNAUTHORIZED',
  'REGISTRY_DENIED',
  'REGISTRY_PROTOCOL',
  'HTTP_TIMEOUT',
]);
const notFoundCodes = new Set([
  'REGISTRY_MANIFEST_UNKNOWN',
  'REGISTRY_BLOB_UNKNOWN',
  'REGISTRY_NAME_UNKNOWN',
]);
const invalidCodes = new Set([
  'DIGEST_MISMATCH',
  'SIZE_MISMATCH',
  'MANIFEST_INVALID',
  'UNSUPPORTED_MEDIA_TYPE',
  'HTTP_BODY_INVALID',
  'LIMIT_EXCEEDED',
]);

/** An upstream that has no such manifest or blob: the pull is refused, nothing is stored. */
export class UpstreamNotFound extends Error {
  override name = 'UpstreamNotFound';
  constructor(
    readonly kind: 'manifest' | 'blob',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Turns a failure while talking to `upstream` into a `PolicyError` (`UPSTREAM_UNAVAILABLE` /
 * `UPSTREAM_INVALID`) or {@link UpstreamNotFound}; our own errors (stores, limits already
 * phrased) pass through.
 */
export function upstreamError(error: unknown, upstream: string, what: string): Error {
  if (error instanceof PolicyError || error instanceof UpstreamNotFound) return error;
  if (error instanceof DistributionError && error.ociCode === 'MANIFEST_INVALID') {
    return new PolicyError(
      'UPSTREAM_INVALID',
      `upstream ${upstream} sent ${what}: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  if (isMoatError(error)) {
    if (unavailableCodes.has(error.code)) {
      return new PolicyError(
        'UPSTREAM_UNAVAILABLE',
        `upstream ${upstream} could not serve ${what}: ${error.message}`,
        { cause: error },
      );
    }
    if (notFoundCodes.has(error.code)) {
      const kind = error.code === 'REGISTRY_BLOB_UNKNOWN' ? 'blob' : 'manifest';
      return new UpstreamNotFound(kind, `upstream ${upstream} has no ${what}`, { cause: error });
    }
    if (invalidCodes.has(error.code)) {
      return new PolicyError(
        'UPSTREAM_INVALID',
        `upstream ${upstream} sent ${what} that does not verify: ${error.message}`,
        { cause: error },
      );
    }
    return error;
  }
  // A network failure the client did not wrap (a reset stream mid-blob).
  const reason = error instanceof Error ? error.message : String(error);
  return new PolicyError(
    'UPSTREAM_UNAVAILABLE',
    `upstream ${upstream} could not serve ${what}: ${reason}`,
    { cause: error },
  );
}

/** True when a stored copy may stand in for the upstream's answer (Harbor's behaviour). */
export function isUnavailable(error: unknown): boolean {
  return error instanceof PolicyError && error.code === 'UPSTREAM_UNAVAILABLE';
}

/**
 * The `/v2` answer to a failed pull-through, with the reason's code first in the message. Clients
 * (skopeo, docker, containerd) print the error body of a 4xx answer only, so the refusals are
 * 4xx: content upstream lies about or that passes a limit is `403 DENIED`
 * (`UPSTREAM_INVALID: …`, `LIMIT_EXCEEDED: …`); content that is not cached while upstream cannot
 * be reached is `404 MANIFEST_UNKNOWN` / `BLOB_UNKNOWN` (`UPSTREAM_UNAVAILABLE: …`), as is
 * content upstream does not have.
 */
export function ociErrorOf(error: unknown, kind: 'manifest' | 'blob'): unknown {
  const unknown = kind === 'blob' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN';
  if (error instanceof UpstreamNotFound) {
    return new DistributionError(unknown, error.message, { cause: error });
  }
  if (error instanceof PolicyError) {
    const code = error.code === 'UPSTREAM_UNAVAILABLE' ? unknown : 'DENIED';
    return new DistributionError(code, `${error.code}: ${error.message}`, {
      detail: { reason: error.code },
      cause: error,
    });
  }
  return error;
}
