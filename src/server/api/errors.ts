/**
 * Every failure under `/api/v1` as `{error: {code, message}}` with its HTTP status: `AuthError`s
 * (and any `MoatError` with an access code) by `authErrorStatus`, `RATE_LIMITED` with
 * `Retry-After`, Fastify's request errors (bad JSON, wrong media type, a body over the limit) as
 * `INVALID_REQUEST`, the stores' outages as 503, anything else as a logged 500 `INTERNAL` whose
 * message says nothing of the cause.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AuthError, authErrorStatus, type AuthErrorCode } from '../../auth/errors.js';
import { isMoatError } from '../../errors.js';

/** An `AuthError` whose status on `/api/v1` differs from its code's usual one. */
export class ApiRefusal extends AuthError {
  constructor(
    code: AuthErrorCode,
    message: string,
    readonly status: number,
  ) {
    super(code, message);
  }
}

interface ApiErrorAnswer {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

/** Sends `error` as the API's error body (or ends a response that had already begun). */
export function sendApiError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  if (reply.sent || reply.raw.headersSent) {
    request.log.warn({ err: error }, 'api response failed after its headers were sent');
    reply.raw.destroy();
    return;
  }
  const answer = classify(error);
  if (answer.status >= 500) request.log.error({ err: error }, 'api request failed');
  if (answer.retryAfterSeconds !== undefined) {
    void reply.header('retry-after', String(Math.max(1, Math.ceil(answer.retryAfterSeconds))));
  }
  void reply
    .code(answer.status)
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send(JSON.stringify({ error: { code: answer.code, message: answer.message } }));
}

function isAuthCode(code: string): code is AuthErrorCode {
  return Object.hasOwn(authErrorStatus, code);
}

function classify(error: unknown): ApiErrorAnswer {
  if (error instanceof ApiRefusal) {
    return { status: error.status, code: error.code, message: error.message };
  }
  if (isMoatError(error) && isAuthCode(error.code)) {
    const retryAfterSeconds = error instanceof AuthError ? error.retryAfterSeconds : undefined;
    return {
      status: authErrorStatus[error.code],
      code: error.code,
      message: error.message,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    };
  }
  if (isMoatError(error) && error.code === 'POLICY_INVALID') {
    // A policy document that does not validate: the message names the line and the key.
    return { status: 400, code: error.code, message: error.message };
  }
  if (isMoatError(error) && error.code === 'STORE_UNAVAILABLE') {
    return { status: 503, code: error.code, message: 'the database cannot be reached' };
  }
  const fastifyAnswer = fastifyRequestError(error);
  if (fastifyAnswer) return fastifyAnswer;
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

/** Fastify's own request errors (body parsing, media type, size), which are the client's fault. */
function fastifyRequestError(error: unknown): ApiErrorAnswer | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return undefined;
  const messages: Record<string, string> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'the request body is too large',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'the request body must be application/json',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'the JSON request body is empty',
    FST_ERR_CTP_INVALID_JSON_BODY: 'the request body is not valid JSON',
  };
  return {
    status: statusCode,
    code: 'INVALID_REQUEST',
    message: (typeof code === 'string' ? messages[code] : undefined) ?? 'the request is malformed',
  };
}
