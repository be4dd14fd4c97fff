/**
 * Rendering every failure under `/v2` as the spec's JSON error body
 * (`{"errors":[{"code","message","detail"}]}`) with its HTTP status: registry errors with their
 * OCI code, access refusals as 401 `UNAUTHORIZED` (with the `WWW-Authenticate` challenge) or 403
 * `DENIED`, throttled Basic credentials as 429 `TOOMANYREQUESTS` with `Retry-After`, Fastify's request errors as 400/413, anything else as a logged 500 `UNKNOWN` (no
 * stack trace ever leaves the server).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AuthError } from '../../auth/errors.js';
import { AccessError } from '../../auth/types.js';
import { DistributionError, type OciErrorCode } from '../../distribution/errors.js';
import { isMoatError } from '../../errors.js';

interface OciErrorAnswer {
  status: number;
  code: OciErrorCode;
  message: string;
  detail?: unknown;
  headers?: Record<string, string>;
}

/** Sends `error` as an OCI error answer (or ends a response whose body had already begun). */
export function sendOciError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  if (reply.sent || reply.raw.headersSent) {
    request.log.warn({ err: error }, 'registry response failed after its headers were sent');
    reply.raw.destroy();
    return;
  }
  if (reply.raw.destroyed) {
    // The client went away (an aborted upload, say): nobody to answer, and not a server fault.
    request.log.info({ err: error }, 'registry client disconnected before the answer');
    return;
  }
  const answer = classify(error);
  if (answer.status >= 500) request.log.error({ err: error }, 'registry request failed');
  for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
  // A refused request whose body is still arriving (a blob chunk to an unknown session, say):
  // close the connection after the answer rather than read the rest of the body to discard it.
  if (!request.raw.complete) reply.header('connection', 'close');
  const body = {
    errors: [
      {
        code: answer.code,
        message: answer.message,
        ...(answer.detail !== undefined ? { detail: answer.detail } : {}),
      },
    ],
  };
  void reply
    .code(answer.status)
    .type('application/json')
    .send(Buffer.from(JSON.stringify(body)));
}

function classify(error: unknown): OciErrorAnswer {
  if (error instanceof DistributionError) {
    return {
      status: error.status,
      code: error.ociCode,
      message: error.message,
      detail: error.detail,
      headers: error.headers,
    };
  }
  if (isMoatError(error) && error.code === 'UNAUTHENTICATED') {
    const challenge = error instanceof AccessError ? error.challenge : undefined;
    return {
      status: 401,
      code: 'UNAUTHORIZED',
      message: error.message,
      ...(challenge !== undefined ? { headers: { 'www-authenticate': challenge } } : {}),
    };
  }
  if (isMoatError(error) && error.code === 'ACCESS_DENIED') {
    return { status: 403, code: 'DENIED', message: error.message };
  }
  if (error instanceof AuthError && error.code === 'RATE_LIMITED') {
    // Basic credentials of a throttled user or client address (too many failed passwords).
    const seconds = Math.max(1, Math.ceil(error.retryAfterSeconds ?? 1));
    return {
      status: 429,
      code: 'TOOMANYREQUESTS',
      message: 'too many failed attempts',
      headers: { 'retry-after': String(seconds) },
    };
  }
  if (isMoatError(error) && error.code === 'STORE_FULL') {
    return { status: 507, code: 'UNKNOWN', message: 'the registry has no storage space left' };
  }
  if (isMoatError(error) && error.code === 'STORE_UNAVAILABLE') {
    return { status: 503, code: 'UNKNOWN', message: 'the registry storage is unavailable' };
  }
  const status = fastifyClientStatus(error);
  if (status === 413) {
    return { status, code: 'SIZE_INVALID', message: 'the request body is too large' };
  }
  if (status !== undefined) {
    return { status, code: 'UNSUPPORTED', message: 'the request is malformed' };
  }
  return { status: 500, code: 'UNKNOWN', message: 'internal error' };
}

/** The 4xx status of a Fastify request error (bad Content-Length, body too large, …). */
function fastifyClientStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  const fromFastify = typeof code === 'string' && code.startsWith('FST_');
  if (fromFastify && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return statusCode;
  }
  return undefined;
}
