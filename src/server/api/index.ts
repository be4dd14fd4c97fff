/**
 * The management API `/api/v1` (issue 11): {@link registerApi} mounts every area's
 * {@link ApiRoute}s in an encapsulated Fastify scope that authenticates the caller
 * (`caller.ts`), refuses callers the route's `auth` does not admit, validates params, query and
 * body with the route's zod schemas (`INVALID_REQUEST` naming the field), answers every failure as
 * `{error: {code, message}}` (`errors.ts`) and serves the OpenAPI document built from the same
 * routes (`openapi.ts`) at `/api/v1/openapi.json`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';

import { AuthError } from '../../auth/errors.js';
import type { ClientInfo } from '../../auth/model.js';
import { authenticateCaller, type CallerServices } from './caller.js';
import { ApiRefusal, sendApiError } from './errors.js';
import { buildOpenApiDocument } from './openapi.js';
import type { ApiCaller, ApiRoute } from './types.js';

/** Where the API is mounted. */
const apiPrefix = '/api/v1';

/** The largest JSON body an API request may carry (users, tokens and members are small). */
const defaultBodyLimit = 64 * 1024;
/** Longest user agent kept for the audit log. */
const maxUserAgentLength = 256;
/** Longest validation message returned (zod's messages name the field and the rule). */
const maxMessageLength = 300;

/** Options of {@link registerApi}. */
export interface ApiOptions extends CallerServices {
  /** Every area's routes (`server/api/routes/<area>.ts`). */
  routes: readonly ApiRoute[];
  /** The version in the OpenAPI document's `info`. */
  version: string;
  /** Largest JSON request body, bytes (64 KiB by default). */
  bodyLimit?: number;
}

/**
 * Registers `/api/v1` on `app`.
 * @example
 * registerApi(app, { routes: [...authRoutes, ...userRoutes], identity, credentials, version: '0.1.0' });
 */
export function registerApi(app: FastifyInstance, options: ApiOptions): void {
  const bodyLimit = options.bodyLimit ?? defaultBodyLimit;
  const document = buildOpenApiDocument(options.routes, {
    title: 'Moat management API',
    version: options.version,
  });
  void app.register(
    (scope, _options, done) => {
      // JSON only: a `text/plain` body (what a cross-site form can send) is refused with 415.
      scope.removeContentTypeParser(['text/plain']);
      acceptTextBodies(scope, options.routes);
      scope.setErrorHandler((error, request, reply) => sendApiError(error, request, reply));
      scope.setNotFoundHandler((request, reply) =>
        sendApiError(new AuthError('NOT_FOUND', 'no such API route'), request, reply),
      );
      scope.get('/openapi.json', (_request, reply) => reply.send(document));
      for (const route of options.routes) {
        scope.route({
          method: route.method,
          url: route.path.replace(/\{(\w+)\}/g, ':$1'),
          bodyLimit: route.textBody?.maxBytes ?? bodyLimit,
          config: { textBody: route.textBody !== undefined },
          handler: (request, reply) => handle(options, route, request, reply),
        });
      }
      done();
    },
    { prefix: apiPrefix },
  );
}

/**
 * Routes with a `textBody` receive `{ mediaType, text }` for JSON and for their further media
 * types; every other route keeps Fastify's JSON parser (and a 415 for any other type).
 */
function acceptTextBodies(scope: FastifyInstance, routes: readonly ApiRoute[]): void {
  const extra = [...new Set(routes.flatMap((route) => route.textBody?.mediaTypes ?? []))];
  if (extra.length === 0) return;
  const wantsText = (request: FastifyRequest): boolean =>
    (request.routeOptions.config as { textBody?: boolean }).textBody === true;
  const json = scope.getDefaultJsonParser('error', 'error');
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (wantsText(request)) done(null, { mediaType: 'application/json', text: body as string });
    else void json(request, body as string, done);
  });
  scope.addContentTypeParser(extra, { parseAs: 'string' }, (request, body, done) => {
    const mediaType = (request.headers['content-type'] ?? '').split(';', 1)[0]?.trim() ?? '';
    if (wantsText(request)) {
      done(null, { mediaType: mediaType.toLowerCase(), text: body as string });
      return;
    }
    const refused = Object.assign(new Error('unsupported media type'), {
      code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
      statusCode: 415,
    });
    done(refused, undefined);
  });
}

async function handle(
  services: CallerServices,
  route: ApiRoute,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  void reply.header('cache-control', 'no-store');
  const caller = await admit(services, route, request);
  const input = {
    params: validate(route.params, request.params, 'params'),
    query: validate(route.query, request.query, 'query'),
    body: validate(route.body, request.body, 'body'),
    caller,
    client: clientOf(request),
    reply,
  };
  const result = await route.handler(input);
  if (reply.sent) return reply;
  const status = route.status ?? 200;
  if (status === 204) return reply.code(204).send();
  if (route.produces !== undefined) return reply.code(status).type(route.produces).send(result);
  return reply.code(status).send(result);
}

/** The caller, when the route admits it; throws the refusal otherwise. */
async function admit(
  services: CallerServices,
  route: ApiRoute,
  request: FastifyRequest,
): Promise<ApiCaller | undefined> {
  if (route.auth === 'none') {
    // Login and the document take no credentials; stale or incomplete ones are ignored here.
    try {
      return await authenticateCaller(services, request);
    } catch (error) {
      if (error instanceof AuthError && error.code !== 'RATE_LIMITED') return undefined;
      throw error;
    }
  }
  const caller = await authenticateCaller(services, request);
  if (!caller) {
    throw new AuthError(
      'UNAUTHENTICATED',
      'authentication required: log in, or send a personal access token as Bearer',
    );
  }
  if (route.auth === 'user' && caller.principal.mustEnrolTwoFactor === true) {
    throw new ApiRefusal(
      'TWO_FACTOR_REQUIRED',
      'enrol a second factor first (POST /api/v1/users/me/totp, then /users/me/totp/confirm)',
      403,
    );
  }
  return caller;
}

/** The parsed value, or `INVALID_REQUEST` naming the first bad field. */
function validate(
  schema: z.ZodType | undefined,
  value: unknown,
  where: 'params' | 'query' | 'body',
): unknown {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = [where, ...(issue?.path ?? []).map(String)].join('.');
  const message = `${field}: ${issue?.message ?? 'invalid'}`;
  throw new AuthError('INVALID_REQUEST', message.slice(0, maxMessageLength));
}

function clientOf(request: FastifyRequest): ClientInfo {
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip,
    ...(typeof userAgent === 'string' && userAgent !== ''
      ? { userAgent: userAgent.slice(0, maxUserAgentLength) }
      : {}),
  };
}
