/**
 * The `/api/v1` framework with the real access services on SQLite and PostgreSQL: who may call
 * (session cookie + CSRF, personal access tokens and their scopes, the enrolment gate), input
 * validation, and the error bodies. The routes here are small fixtures that echo what the
 * framework handed them; each area's own routes are tested in their folders.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { openAccessServices, type AccessServices } from '../../auth/open.js';
import type { UserPrincipal } from '../../auth/services.js';
import { createTestDatabase, type TestDatabase } from '../../store/metadata/test-database.js';
import { openStores, type OpenStores } from '../../store/open.js';
import { registerApi } from './index.js';
import { apiRoute, type ApiRoute } from './types.js';

const client = { ip: '127.0.0.1' };
const alicePassword = 'alice-Password-4821';

const echo = (input: { caller: unknown; body: unknown; params: unknown; query: unknown }) =>
  Promise.resolve({
    caller: input.caller,
    body: input.body,
    params: input.params,
    query: input.query,
  });

const fixtureRoutes: ApiRoute[] = [
  apiRoute({
    method: 'GET',
    path: '/echo',
    summary: 'echo',
    tag: 'test',
    auth: 'user',
    handler: echo,
  }),
  apiRoute({
    method: 'POST',
    path: '/echo/{name}',
    summary: 'echo a body',
    tag: 'test',
    auth: 'user',
    params: z.object({ name: z.string().regex(/^[a-z]{1,8}$/) }),
    query: z.object({ n: z.coerce.number().int().min(1).max(10).optional() }),
    body: z.strictObject({ secret: z.string().min(12).max(64), count: z.number().int() }),
    status: 201,
    handler: echo,
  }),
  apiRoute({
    method: 'GET',
    path: '/enrolling',
    summary: 'allowed while enrolling',
    tag: 'test',
    auth: 'enrolment',
    handler: echo,
  }),
  apiRoute({
    method: 'POST',
    path: '/open',
    summary: 'anyone',
    tag: 'test',
    auth: 'none',
    handler: echo,
  }),
  apiRoute({
    method: 'DELETE',
    path: '/nothing',
    summary: 'no content',
    tag: 'test',
    auth: 'user',
    status: 204,
    handler: () => Promise.resolve(undefined),
  }),
  apiRoute({
    method: 'GET',
    path: '/broken',
    summary: 'fails',
    tag: 'test',
    auth: 'none',
    handler: () => Promise.reject(new Error('database password is hunter2')),
  }),
  apiRoute({
    method: 'POST',
    path: '/login-attempt',
    summary: 'a login through the identity service',
    tag: 'test',
    auth: 'none',
    body: z.object({ username: z.string(), password: z.string() }),
    handler: async ({ body }) => {
      await services.identity.login(body, client);
      return {};
    },
  }),
];

let services: AccessServices;

describe.each(['sqlite', 'postgres'] as const)('registerApi on %s', (engine) => {
  let dir: string;
  let database: TestDatabase | undefined;
  let stores: OpenStores;
  let app: FastifyInstance;
  let alice: UserPrincipal;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-api-'));
    if (engine === 'postgres') database = await createTestDatabase();
    stores = await openStores({
      metadata: database
        ? { kind: 'postgres', url: database.url }
        : { kind: 'sqlite', path: join(dir, 'moat.db') },
      blobs: { kind: 'fs', root: join(dir, 'blobs') },
    });
    services = await openAccessServices({
      database: stores.database,
      config: {
        tokenTtlSeconds: 300,
        adminPassword: 'admin-Password-7731',
        requireTwoFactor: 'admins',
        sessionIdleTimeoutMs: 30 * 60_000,
        sessionMaxAgeMs: 12 * 3_600_000,
        lockoutThreshold: 3,
        lockoutDurationMs: 60_000,
      },
      dataDir: dir,
      log: () => undefined,
    });
    const info = await services.identity.createUser(
      { username: 'alice', password: alicePassword },
      undefined,
      client,
    );
    alice = { kind: 'user', name: 'alice', id: info.id, systemAdmin: false };
    app = Fastify();
    registerApi(app, {
      routes: fixtureRoutes,
      identity: services.identity,
      credentials: services.credentials,
      version: '0.0.0-test',
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await services?.close();
    await stores?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const session = async (username = 'alice', password = alicePassword) => {
    const opened = await services.identity.login({ username, password }, client);
    return { cookie: `moat_session=${opened.token}`, csrf: opened.csrfToken };
  };
  const token = async (scopes: Parameters<typeof services.credentials.createToken>[1]['scopes']) =>
    (
      await services.credentials.createToken(
        alice,
        { name: `t${scopes.length}${Math.random().toString(36).slice(2, 8)}`, scopes },
        client,
      )
    ).token;
  const errorOf = (response: { json(): unknown }) =>
    (response.json() as { error: { code: string; message: string } }).error;

  describe('callers', () => {
    it('refuses a request without credentials with 401 UNAUTHENTICATED as JSON', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/v1/echo' });
      expect(response.statusCode).toBe(401);
      expect(errorOf(response).code).toBe('UNAUTHENTICATED');
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('admits a session cookie on a read, as the session’s user', async () => {
      const { cookie } = await session();
      const response = await app.inject({
        method: 'GET',
        url: '/api/v1/echo',
        headers: { cookie },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        caller: { via: 'session', principal: { kind: 'user', name: 'alice', via: 'session' } },
      });
    });

    it('refuses a cookie-authenticated write without the CSRF token, or with another one', async () => {
      const { cookie } = await session();
      const other = await session();
      for (const headers of [
        { cookie },
        { cookie, 'x-csrf-token': other.csrf },
        { cookie, 'x-csrf-token': '' },
      ]) {
        const response = await app.inject({ method: 'DELETE', url: '/api/v1/nothing', headers });
        expect(response.statusCode).toBe(403);
        expect(errorOf(response).code).toBe('CSRF_INVALID');
      }
    });

    it('admits a cookie-authenticated write with the session’s CSRF token', async () => {
      const { cookie, csrf } = await session();
      const response = await app.inject({
        method: 'DELETE',
        url: '/api/v1/nothing',
        headers: { cookie, 'x-csrf-token': csrf },
      });
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');
    });

    it('refuses a session that ended', async () => {
      const { cookie } = await session();
      const found = await services.identity.authenticateSession(cookie.split('=')[1] ?? '');
      await services.identity.logout(found?.idHash ?? '');
      const response = await app.inject({
        method: 'GET',
        url: '/api/v1/echo',
        headers: { cookie },
      });
      expect(response.statusCode).toBe(401);
      expect(errorOf(response).code).toBe('UNAUTHENTICATED');
    });

    it('ignores a malformed session cookie and other cookies', async () => {
      const response = await app.inject({
        method: 'GET',
        url: '/api/v1/echo',
        headers: { cookie: "theme=dark; moat_session=' OR 1=1 --" },
      });
      expect(response.statusCode).toBe(401);
    });

    it('admits a personal access token with api:read on reads only', async () => {
      const authorization = `Bearer ${await token(['api:read'])}`;
      const read = await app.inject({
        method: 'GET',
        url: '/api/v1/echo',
        headers: { authorization },
      });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({
        caller: { via: 'pat', principal: { name: 'alice', via: 'pat' } },
      });
      const write = await app.inject({
        method: 'DELETE',
        url: '/api/v1/nothing',
        headers: { authorization },
      });
      expect(write.statusCode).toBe(403);
      expect(errorOf(write)).toEqual({
        code: 'ACCESS_DENIED',
        message: 'the token lacks the api:write scope',
      });
    });

    it('admits a personal access token with api:write on writes, without a CSRF token', async () => {
      const authorization = `Bearer ${await token(['api:write'])}`;
      const write = await app.inject({
        method: 'DELETE',
        url: '/api/v1/nothing',
        headers: { authorization },
      });
      expect(write.statusCode).toBe(204);
    });

    it('refuses a token with registry scopes only on the API', async () => {
      const authorization = `Bearer ${await token(['registry:pull', 'registry:push'])}`;
      const read = await app.inject({
        method: 'GET',
        url: '/api/v1/echo',
        headers: { authorization },
      });
      expect(read.statusCode).toBe(403);
    });

    it('refuses an unknown, a revoked and a malformed bearer token with 401', async () => {
      const revoked = await services.credentials.createToken(
        alice,
        { name: 'to-revoke', scopes: ['api:read'] },
        client,
      );
      await services.credentials.revokeToken(alice, revoked.info.id, client);
      for (const authorization of [
        'Bearer moat_pat_doesnotexist',
        `Bearer ${revoked.token}`,
        'Bearer',
        `Bearer ${'a'.repeat(10_000)}`,
        'Basic YWxpY2U6cGFzc3dvcmQ=',
      ]) {
        const response = await app.inject({
          method: 'GET',
          url: '/api/v1/echo',
          headers: { authorization },
        });
        expect(response.statusCode).toBe(401);
        expect(errorOf(response).code).toBe('UNAUTHENTICATED');
      }
    });

    it('keeps a user who must enrol a second factor to the enrolment routes (403)', async () => {
      const { cookie } = await session('admin', 'admin-Password-7731');
      const refused = await app.inject({ method: 'GET', url: '/api/v1/echo', headers: { cookie } });
      expect(refused.statusCode).toBe(403);
      expect(errorOf(refused).code).toBe('TWO_FACTOR_REQUIRED');
      const enrolling = await app.inject({
        method: 'GET',
        url: '/api/v1/enrolling',
        headers: { cookie },
      });
      expect(enrolling.statusCode).toBe(200);
    });

    it('lets anyone call an open route, ignoring a stale session or a missing CSRF token', async () => {
      const plain = await app.inject({ method: 'POST', url: '/api/v1/open' });
      expect(plain.statusCode).toBe(200);
      expect(plain.json()).toEqual({});
      const { cookie } = await session();
      const withCookie = await app.inject({
        method: 'POST',
        url: '/api/v1/open',
        headers: { cookie },
      });
      expect(withCookie.statusCode).toBe(200);
      expect(withCookie.json()).toEqual({});
    });
  });

  describe('input', () => {
    const write = async (
      payload: unknown,
      url = '/api/v1/echo/abc',
      contentType = 'application/json',
    ) => {
      const { cookie, csrf } = await session();
      return app.inject({
        method: 'POST',
        url,
        headers: { cookie, 'x-csrf-token': csrf, 'content-type': contentType },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
    };

    it('hands the handler the parsed params, query and body', async () => {
      const response = await write(
        { secret: 'twelve-chars-or-more', count: 3 },
        '/api/v1/echo/abc?n=4',
      );
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({
        params: { name: 'abc' },
        query: { n: 4 },
        body: { secret: 'twelve-chars-or-more', count: 3 },
      });
    });

    it('names the bad field without echoing its value', async () => {
      const response = await write({ secret: 'short-pw', count: 1 });
      expect(response.statusCode).toBe(400);
      const error = errorOf(response);
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.message).toMatch(/^body\.secret: /);
      expect(error.message).not.toContain('short-pw');
    });

    it('refuses unknown body fields, bad query values and injection-shaped path names', async () => {
      expect(
        errorOf(await write({ secret: 'twelve-chars-or-more', count: 1, admin: true })).message,
      ).toMatch(/^body: /);
      expect(
        errorOf(await write({ secret: 'twelve-chars-or-more', count: 1 }, '/api/v1/echo/abc?n=99'))
          .message,
      ).toMatch(/^query\.n: /);
      for (const name of ["a'--", '..%2f..', '%D0%B0bc', 'ab%00c']) {
        const response = await write(
          { secret: 'twelve-chars-or-more', count: 1 },
          `/api/v1/echo/${name}`,
        );
        expect(response.statusCode).toBe(400);
        expect(errorOf(response).message).toMatch(/^params\.name: /);
      }
    });

    it('refuses malformed JSON, a non-JSON body and a body over 64 KiB', async () => {
      const malformed = await write('{"secret": ');
      expect(malformed.statusCode).toBe(400);
      expect(errorOf(malformed).code).toBe('INVALID_REQUEST');
      const form = await write('secret=x&count=1', '/api/v1/echo/abc', 'text/plain');
      expect(form.statusCode).toBe(415);
      expect(errorOf(form).code).toBe('INVALID_REQUEST');
      const huge = await write({
        secret: 'twelve-chars-or-more',
        count: 1,
        pad: 'x'.repeat(70_000),
      });
      expect(huge.statusCode).toBe(413);
      expect(errorOf(huge).code).toBe('INVALID_REQUEST');
      const poisoned = await write(
        '{"__proto__": {"admin": true}, "secret": "twelve-chars-or-more", "count": 1}',
      );
      expect(poisoned.statusCode).toBe(400);
    });
  });

  describe('errors', () => {
    it('answers an unknown route with a JSON 404', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/v1/no/such/route' });
      expect(response.statusCode).toBe(404);
      expect(errorOf(response).code).toBe('NOT_FOUND');
    });

    it('answers an unexpected failure with 500 INTERNAL that says nothing of its cause', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/v1/broken' });
      expect(response.statusCode).toBe(500);
      expect(errorOf(response)).toEqual({ code: 'INTERNAL', message: 'internal error' });
      expect(response.body).not.toContain('hunter2');
    });

    it('answers a throttled login with 429 and Retry-After', async () => {
      const attempt = () =>
        app.inject({
          method: 'POST',
          url: '/api/v1/login-attempt',
          payload: { username: 'alice', password: 'wrong-Password-0000' },
        });
      let response = await attempt();
      for (let i = 0; i < 10 && response.statusCode !== 429; i++) response = await attempt();
      expect(response.statusCode).toBe(429);
      expect(errorOf(response).code).toBe('RATE_LIMITED');
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
});
