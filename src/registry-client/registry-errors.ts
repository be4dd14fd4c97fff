/**
 * Maps failed registry responses to MoatErrors. The OCI distribution spec's error body
 * (`{"errors":[{"code","message","detail"}]}`) decides the code where it names one; otherwise the
 * HTTP status does. Messages name the host, repository and reference.
 */
import { z } from 'zod';

import { isMoatError, MoatError, type MoatErrorCode } from '../errors.js';
import { HttpTimeoutError } from '../util/timed-fetch.js';
import { readBodyBounded } from './transport.js';

/** What a request was about, for error messages and status-based fallbacks. */
export interface RequestContext {
  host: string;
  repository: string;
  /** Tag or digest. */
  reference: string;
  kind: 'manifest' | 'blob' | 'upload' | 'referrers' | 'token' | 'ping';
}

const errorBodySchema = z.object({
  errors: z.array(z.object({ code: z.string(), message: z.string().optional() }).loose()),
});

const codeMap: Record<string, MoatErrorCode> = {
  UNAUTHORIZED: 'REGISTRY_UNAUTHORIZED',
  DENIED: 'REGISTRY_DENIED',
  NAME_UNKNOWN: 'REGISTRY_NAME_UNKNOWN',
  MANIFEST_UNKNOWN: 'REGISTRY_MANIFEST_UNKNOWN',
  BLOB_UNKNOWN: 'REGISTRY_BLOB_UNKNOWN',
  TOOMANYREQUESTS: 'REGISTRY_UNAVAILABLE',
  UNAVAILABLE: 'REGISTRY_UNAVAILABLE',
};

const maxErrorBodyBytes = 64 * 1024;

function codeForStatus(status: number, kind: RequestContext['kind']): MoatErrorCode {
  if (status === 401) return 'REGISTRY_UNAUTHORIZED';
  if (status === 403) return 'REGISTRY_DENIED';
  if (status === 429 || status >= 500) return 'REGISTRY_UNAVAILABLE';
  if (status === 404 && kind === 'manifest') return 'REGISTRY_MANIFEST_UNKNOWN';
  if (status === 404 && kind === 'blob') return 'REGISTRY_BLOB_UNKNOWN';
  return 'REGISTRY_PROTOCOL';
}

/** Describes the request as `host/repo:ref` (or `@digest`) for messages. */
export function describeRequest(context: RequestContext): string {
  const separator = context.reference.includes(':') ? '@' : ':';
  const target = context.repository === '' ? '' : `/${context.repository}`;
  const ref = context.reference === '' ? '' : `${separator}${context.reference}`;
  return `${context.host}${target}${ref}`;
}

/** Builds the MoatError for a non-2xx response, reading (a bounded part of) its error body. */
export async function registryErrorFrom(
  response: Response,
  context: RequestContext,
): Promise<MoatError> {
  let detail: { code: string; message?: string } | undefined;
  if (response.body !== null) {
    try {
      const body = await readBodyBounded(response, maxErrorBodyBytes, 'error body');
      const parsed = errorBodySchema.safeParse(JSON.parse(body.toString('utf8')));
      if (parsed.success) detail = parsed.data.errors[0];
    } catch {
      // Not a spec error body (HTML from a proxy, empty, too long): the status decides.
    }
  }
  const statusCode = codeForStatus(response.status, context.kind);
  const mapped = detail !== undefined ? codeMap[detail.code] : undefined;
  // Throttling and outages stay retryable in the caller's eyes whatever the body says.
  const code = statusCode === 'REGISTRY_UNAVAILABLE' ? statusCode : (mapped ?? statusCode);
  const said = detail
    ? `${detail.code}${detail.message ? `: ${detail.message.slice(0, 300)}` : ''}`
    : `HTTP ${response.status}`;
  return new MoatError(code, `registry ${describeRequest(context)} (${context.kind}): ${said}`);
}

/** Wraps a network failure that outlived every retry. */
export function unavailableError(error: unknown, context: RequestContext): MoatError {
  if (isMoatError(error) && !(error instanceof HttpTimeoutError)) return error;
  const reason = error instanceof Error ? describeCause(error) : String(error);
  return new MoatError(
    'REGISTRY_UNAVAILABLE',
    `registry ${describeRequest(context)} (${context.kind}) unreachable: ${reason}`,
    { cause: error },
  );
}

function describeCause(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
