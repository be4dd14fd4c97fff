/**
 * `/auth/token`, the Docker token endpoint: `GET` with optional `Basic` credentials (docker,
 * skopeo, podman) and `POST` with an OAuth2 form (`grant_type=password`, what containerd tries
 * first). Credentials (a robot's secret, a personal access token, or a password where 2FA allows
 * one) are checked, the scopes asked for are intersected with what the principal may do
 * (`Authorizer.decide`), and an ES256 token comes back. No credentials yields an anonymous token
 * (it grants pulls of public projects only); wrong credentials a 401; a throttled user or client
 * a 429 with `Retry-After`; a malformed scope a 400. Asking for a repository one may not use, or
 * that does not exist, yields a token without it, never an error. Every issue and refusal is
 * audited (`auth.token`). Refresh tokens are not issued, so a `refresh_token` grant is answered
 * `unsupported_grant_type` (400), on which containerd falls back to `GET`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { AuthError } from '../auth/errors.js';

import {
  mergeScopes,
  parseScopes,
  ScopeSyntaxError,
  type IssuedToken,
  type RegistryAuth,
  type RequestedScope,
} from '../auth/index.js';
import type { ClientInfo } from '../auth/model.js';
import type { Principal } from '../auth/types.js';
import { parseBasic } from '../auth/basic.js';

/** Most `scope` parameters read from one request (they are merged to at most 32 resources). */
const maxScopeParameters = 64;
/** Largest form body accepted on `POST /auth/token`. */
const maxFormBytes = 16 * 1024;
const maxFieldLength = 1024;

interface TokenQuery {
  service?: unknown;
  scope?: unknown;
  account?: unknown;
}

/** Registers `GET` and `POST /auth/token` on `app`. */
export function registerAuthRoutes(app: FastifyInstance, auth: RegistryAuth): void {
  void app.register((instance, _options, done) => {
    if (instance.hasContentTypeParser('application/x-www-form-urlencoded')) {
      instance.removeContentTypeParser('application/x-www-form-urlencoded');
    }
    instance.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: maxFormBytes },
      (_request, body, done) => done(null, new URLSearchParams(body as string)),
    );

    instance.get('/auth/token', async (request, reply) => {
      const query = request.query as TokenQuery;
      const scopes = readScopes(reply, query.scope, auth, query.service);
      if (!scopes) return reply;
      const header = request.headers.authorization;
      const client = clientOf(request);
      let principal: Principal = { kind: 'anonymous', name: '' };
      if (typeof header === 'string' && /^basic /i.test(header)) {
        const username = parseBasic(header)?.username ?? '';
        const proven = await throttled(() => auth.authenticateBasic(header, client));
        if ('retryAfterSeconds' in proven)
          return rateLimited(reply, auth, username, client, proven);
        if (!proven.principal) return unauthorized(reply, auth, username, client);
        principal = proven.principal;
      }
      const issued = await auth.issueToken(principal, scopes, client);
      return sendToken(reply, issued);
    });

    instance.post('/auth/token', async (request, reply) => {
      const form = request.body;
      if (!(form instanceof URLSearchParams)) {
        return oauthError(reply, 400, 'invalid_request', 'expected a form body');
      }
      const grantType = form.get('grant_type');
      if (grantType !== 'password') {
        return oauthError(
          reply,
          400,
          'unsupported_grant_type',
          'only the password grant is supported',
        );
      }
      const username = form.get('username');
      const password = form.get('password');
      if (
        !username ||
        password === null ||
        username.length > maxFieldLength ||
        password.length > maxFieldLength
      ) {
        return oauthError(reply, 400, 'invalid_request', 'username and password are required');
      }
      const scopes = readScopes(
        reply,
        form.getAll('scope'),
        auth,
        form.get('service') ?? undefined,
      );
      if (!scopes) return reply;
      const client = clientOf(request);
      const proven = await throttled(() => auth.authenticate({ username, password }, client));
      if ('retryAfterSeconds' in proven) return rateLimited(reply, auth, username, client, proven);
      if (!proven.principal) return unauthorized(reply, auth, username, client);
      const issued = await auth.issueToken(proven.principal, scopes, client);
      return sendToken(reply, issued, true);
    });
    done();
  });
}

/** The merged scopes of a request, or undefined after answering 400. */
function readScopes(
  reply: FastifyReply,
  raw: unknown,
  auth: RegistryAuth,
  service: unknown,
): RequestedScope[] | undefined {
  if (service !== undefined && service !== auth.service) {
    void badRequest(reply, 'the service parameter names another service');
    return undefined;
  }
  const parameters = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (parameters.length > maxScopeParameters) {
    void badRequest(reply, `more than ${maxScopeParameters} scope parameters`);
    return undefined;
  }
  try {
    const scopes: RequestedScope[] = [];
    for (const parameter of parameters) {
      if (typeof parameter !== 'string') throw new ScopeSyntaxError('scope is not a string');
      for (const scope of parseScopes(parameter)) scopes.push(scope);
    }
    return mergeScopes(scopes);
  } catch (error) {
    if (!(error instanceof ScopeSyntaxError)) throw error;
    void badRequest(reply, error.message);
    return undefined;
  }
}

function sendToken(reply: FastifyReply, issued: IssuedToken, oauth = false): FastifyReply {
  const body: Record<string, unknown> = {
    token: issued.token,
    access_token: issued.token,
    expires_in: issued.expiresIn,
    issued_at: issued.issuedAt.toISOString(),
  };
  if (oauth) {
    body.token_type = 'Bearer';
    body.scope = issued.access
      .map((entry) => `${entry.type}:${entry.name}:${entry.actions.join(',')}`)
      .join(' ');
  }
  return reply.header('cache-control', 'no-store').send(body);
}

function clientOf(request: FastifyRequest): ClientInfo {
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip,
    ...(typeof userAgent === 'string' ? { userAgent: userAgent.slice(0, 256) } : {}),
  };
}

/** The outcome of an authentication: the principal (if any), or how long a throttled client waits. */
async function throttled(
  fn: () => Promise<Principal | undefined>,
): Promise<{ principal: Principal | undefined } | { retryAfterSeconds: number }> {
  try {
    return { principal: await fn() };
  } catch (error) {
    if (error instanceof AuthError && error.code === 'RATE_LIMITED') {
      return { retryAfterSeconds: Math.max(1, Math.ceil(error.retryAfterSeconds ?? 1)) };
    }
    throw error;
  }
}

function unauthorized(
  reply: FastifyReply,
  auth: RegistryAuth,
  username: string,
  client: ClientInfo,
): FastifyReply {
  auth.recordRefusal(username, client, 'credentials');
  return reply
    .code(401)
    .header('www-authenticate', `Basic realm="${auth.service.replace(/["\\\r\n]/g, '')}"`)
    .send({
      errors: [{ code: 'UNAUTHORIZED', message: 'invalid user name or password', detail: null }],
    });
}

/** 429 with `Retry-After` (the message says neither whether the user exists nor why). */
function rateLimited(
  reply: FastifyReply,
  auth: RegistryAuth,
  username: string,
  client: ClientInfo,
  { retryAfterSeconds }: { retryAfterSeconds: number },
): FastifyReply {
  auth.recordRefusal(username, client, 'rate_limited');
  return reply
    .code(429)
    .header('retry-after', String(retryAfterSeconds))
    .header('cache-control', 'no-store')
    .send({
      errors: [{ code: 'TOOMANYREQUESTS', message: 'too many failed attempts', detail: null }],
    });
}

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ errors: [{ code: 'INVALID_SCOPE', message, detail: null }] });
}

/** An OAuth2 error (RFC 6749 §5.2). */
function oauthError(
  reply: FastifyReply,
  status: number,
  error: string,
  description: string,
): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .send({ error, error_description: description });
}
