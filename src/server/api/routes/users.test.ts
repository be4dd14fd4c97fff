/**
 * The auth and users routes through `registerApi`, with the real services on SQLite and
 * PostgreSQL and a clock the test moves: the bootstrap administrator's first login, enrolment,
 * login with and without a code, CSRF, user management and lockout over HTTP.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openAuditLog } from '../../../auth/audit/log.js';
import { createCredentials } from '../../../auth/credentials/index.js';
import { bootstrapAdmin, createIdentity } from '../../../auth/identity/index.js';
import { totpCode, totpStep } from '../../../auth/identity/totp.js';
import { openSecretBox } from '../../../auth/secrets/box.js';
import type { AuditRecorder } from '../../../auth/model.js';
import type { Identity } from '../../../auth/services.js';
import type { KyselyMetadataStore } from '../../../store/metadata/kysely-store.js';
import { openMetadataStore } from '../../../store/metadata/open.js';
import { createTestDatabase, type TestDatabase } from '../../../store/metadata/test-database.js';
import { registerApi } from '../index.js';
import { authRoutes } from './auth.js';
import { userRoutes } from './users.js';

const adminPassword = 'admin-Password-7731';
const alicePassword = 'alice-Password-4821';

describe.each(['sqlite', 'postgres'] as const)('auth and users routes on %s', (engine) => {
  let dir: string;
  let pg: TestDatabase | undefined;
  let meta: KyselyMetadataStore;
  let app: FastifyInstance;
  let identity: Identity;
  let auditLog: AuditRecorder;
  const clock = { now: Date.UTC(2026, 5, 1) };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-routes-'));
    if (engine === 'postgres') pg = await createTestDatabase();
    meta = await openMetadataStore(
      pg ? { kind: 'postgres', url: pg.url } : { kind: 'sqlite', path: join(dir, 'moat.db') },
    );
    const { database } = meta;
    const secrets = await openSecretBox({ database, masterKey: 'cd'.repeat(32) });
    const audit = await openAuditLog({ database, secrets });
    auditLog = audit;
    identity = createIdentity({
      database,
      secrets,
      audit,
      config: {
        requireTwoFactor: 'admins',
        sessionIdleTimeoutMs: 30 * 60_000,
        sessionMaxAgeMs: 12 * 3_600_000,
        lockoutThreshold: 3,
        lockoutDurationMs: 60_000,
      },
      now: () => clock.now,
    });
    const credentials = createCredentials({ database, identity, audit });
    await bootstrapAdmin(identity, adminPassword, () => undefined);
    app = Fastify();
    registerApi(app, {
      routes: [...authRoutes({ identity }), ...userRoutes({ identity })],
      identity,
      credentials,
      version: '0.0.0-test',
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await meta?.close();
    await pg?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  type Session = { cookie: string; csrf: string };
  const errorOf = (response: LightMyRequestResponse) =>
    response.json<{ error: { code: string; message: string } }>().error;
  const login = (body: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/api/v1/login', payload: body });
  const sessionOf = (response: LightMyRequestResponse): Session => {
    const cookie = String(response.headers['set-cookie']).split(';')[0] ?? '';
    return { cookie, csrf: response.json<{ csrfToken: string }>().csrfToken };
  };
  const call = (
    session: Session | undefined,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
  ) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      headers: session ? { cookie: session.cookie, 'x-csrf-token': session.csrf } : {},
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });

  let adminSeed: Buffer;
  let admin: Session;
  let recoveryCodes: string[];

  it('logs the bootstrap admin in with a session cookie (HttpOnly, SameSite=Strict, Path=/)', async () => {
    const response = await login({ username: 'admin', password: adminPassword });
    expect(response.statusCode).toBe(200);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(
      /^moat_session=[A-Za-z0-9_-]{43}; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/,
    );
    expect(response.json()).toMatchObject({
      user: { username: 'admin', systemAdmin: true, totpEnabled: false },
      mustEnrolTwoFactor: true,
    });
    admin = sessionOf(response);
  });

  it('marks the cookie Secure when the request came over TLS', async () => {
    // Behind a TLS-terminating proxy that Fastify trusts, as a real TLS socket would.
    const tls = Fastify({ trustProxy: true });
    registerApi(tls, {
      routes: authRoutes({ identity }),
      identity,
      credentials: createCredentials({ database: meta.database, identity, audit: auditLog }),
      version: '0.0.0-test',
    });
    const response = await tls.inject({
      method: 'POST',
      url: '/api/v1/login',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { username: 'admin', password: adminPassword },
    });
    await tls.close();
    expect(String(response.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
  });

  it('lets an admin who must enrol see themself and enrol, and nothing else (403 TWO_FACTOR_REQUIRED)', async () => {
    expect((await call(admin, 'GET', '/users/me')).json()).toMatchObject({ username: 'admin' });
    const refused = await call(admin, 'GET', '/users');
    expect(refused.statusCode).toBe(403);
    expect(errorOf(refused).code).toBe('TWO_FACTOR_REQUIRED');
  });

  it('enrols TOTP: secret, URI, QR SVG; a wrong code is refused; the right one gives 10 recovery codes', async () => {
    const begun = await call(admin, 'POST', '/users/me/totp');
    expect(begun.statusCode).toBe(200);
    const { secret, otpauthUri, qrSvg } = begun.json<{
      secret: string;
      otpauthUri: string;
      qrSvg: string;
    }>();
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Moat:admin\?/);
    expect(qrSvg).toMatch(/^<svg/);
    adminSeed = Buffer.from(Secret.fromBase32(secret).bytes);
    const step = totpStep(clock.now);
    const bad = await call(admin, 'POST', '/users/me/totp/confirm', {
      code: totpCode(adminSeed, step + 5),
    });
    expect(bad.statusCode).toBe(400);
    const confirmed = await call(admin, 'POST', '/users/me/totp/confirm', {
      code: totpCode(adminSeed, step),
    });
    expect(confirmed.statusCode).toBe(200);
    recoveryCodes = confirmed.json<{ recoveryCodes: string[] }>().recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    // The session that enrolled may now do everything.
    expect((await call(admin, 'GET', '/users')).statusCode).toBe(200);
  });

  it('logs out: the session ends and the cookie is cleared', async () => {
    const response = await call(admin, 'POST', '/logout');
    expect(response.statusCode).toBe(204);
    expect(String(response.headers['set-cookie'])).toMatch(/^moat_session=; Path=\/; .*Max-Age=0/);
    expect((await call(admin, 'GET', '/users/me')).statusCode).toBe(401);
  });

  it('needs the code after enrolment: without 401, with 200, the same code again 401', async () => {
    clock.now += 60_000;
    const without = await login({ username: 'admin', password: adminPassword });
    expect(without.statusCode).toBe(401);
    expect(errorOf(without).code).toBe('TWO_FACTOR_REQUIRED');
    const otp = totpCode(adminSeed, totpStep(clock.now));
    const withCode = await login({ username: 'admin', password: adminPassword, otp });
    expect(withCode.statusCode).toBe(200);
    expect(withCode.json()).toMatchObject({ mustEnrolTwoFactor: false });
    admin = sessionOf(withCode);
    const replay = await login({ username: 'admin', password: adminPassword, otp });
    expect(replay.statusCode).toBe(401);
    expect(errorOf(replay).code).toBe('TWO_FACTOR_REQUIRED');
  });

  it('takes a recovery code once', async () => {
    const first = await login({
      username: 'admin',
      password: adminPassword,
      otp: recoveryCodes[0],
    });
    expect(first.statusCode).toBe(200);
    const again = await login({
      username: 'admin',
      password: adminPassword,
      otp: recoveryCodes[0],
    });
    expect(again.statusCode).toBe(401);
  });

  it('creates a user (201) and refuses a cookie write without the CSRF token', async () => {
    const noCsrf = await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { cookie: admin.cookie },
      payload: { username: 'alice', password: alicePassword },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(errorOf(noCsrf).code).toBe('CSRF_INVALID');
    const created = await call(admin, 'POST', '/users', {
      username: 'alice',
      password: alicePassword,
      email: 'alice@example.com',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      username: 'alice',
      email: 'alice@example.com',
      systemAdmin: false,
    });
    expect(created.body).not.toContain(alicePassword);
    const again = await call(admin, 'POST', '/users', {
      username: 'alice',
      password: alicePassword,
    });
    expect(again.statusCode).toBe(409);
  });

  it.each([
    [
      'an SQL-shaped name',
      { username: "alice'; drop table users; --", password: alicePassword },
      'body.username',
    ],
    ['a traversal name', { username: '../admin', password: alicePassword }, 'body.username'],
    ['a Cyrillic look-alike', { username: 'аdmin', password: alicePassword }, 'body.username'],
    ['a NUL in the name', { username: 'bob\u0000', password: alicePassword }, 'body.username'],
    ['a 1025-character password', { username: 'bob', password: 'x'.repeat(1025) }, 'body.password'],
    ['an unknown field', { username: 'bob', password: alicePassword, role: 'admin' }, 'body'],
  ])('refuses to create a user with %s (400 naming the field)', async (_what, body, field) => {
    const response = await call(admin, 'POST', '/users', body);
    expect(response.statusCode).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(errorOf(response).message.startsWith(field)).toBe(true);
  });

  it('refuses a weak password with 400 WEAK_PASSWORD', async () => {
    const response = await call(admin, 'POST', '/users', {
      username: 'bob',
      password: 'password1234',
    });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('WEAK_PASSWORD');
  });

  it('lists users a page at a time for admins only', async () => {
    const page = await call(admin, 'GET', '/users?limit=1');
    expect(page.json()).toEqual({
      users: [expect.objectContaining({ username: 'admin' })],
      next: 'admin',
    });
    const next = await call(admin, 'GET', '/users?limit=1&after=admin');
    expect(next.json<{ users: { username: string }[] }>().users.map((u) => u.username)).toEqual([
      'alice',
    ]);
    expect((await call(admin, 'GET', '/users?limit=100000')).statusCode).toBe(400);
    const alice = sessionOf(await login({ username: 'alice', password: alicePassword }));
    const refused = await call(alice, 'GET', '/users');
    expect(refused.statusCode).toBe(403);
    expect(errorOf(refused).code).toBe('ACCESS_DENIED');
  });

  it('lets a user change their email but not make themself an admin', async () => {
    const alice = sessionOf(await login({ username: 'alice', password: alicePassword }));
    const changed = await call(alice, 'PATCH', '/users/alice', { email: 'a@example.org' });
    expect(changed.json()).toMatchObject({ email: 'a@example.org' });
    expect((await call(alice, 'PATCH', '/users/alice', { systemAdmin: true })).statusCode).toBe(
      403,
    );
    expect((await call(alice, 'PATCH', '/users/alice', {})).statusCode).toBe(400);
    const noProof = await call(alice, 'PATCH', '/users/alice', {
      password: 'a-new-long-passphrase',
    });
    expect(noProof.statusCode).toBe(400);
    const proof = await call(alice, 'PATCH', '/users/alice', {
      password: 'a-new-long-passphrase',
      currentPassword: alicePassword,
    });
    expect(proof.statusCode).toBe(200);
    expect(proof.body).not.toContain('passphrase');
    // Her sessions ended with the change; the new password opens a new one.
    expect((await login({ username: 'alice', password: 'a-new-long-passphrase' })).statusCode).toBe(
      200,
    );
    await identity.updateUser('alice', { password: alicePassword }, undefined, { ip: 'local' });
  });

  it('ends a user’s sessions on an admin’s request, and refuses a user doing it', async () => {
    const alice = sessionOf(await login({ username: 'alice', password: alicePassword }));
    expect((await call(alice, 'DELETE', '/users/admin/sessions')).statusCode).toBe(403);
    const revoked = await call(admin, 'DELETE', '/users/alice/sessions');
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json<{ revoked: number }>().revoked).toBeGreaterThanOrEqual(1);
    expect((await call(alice, 'GET', '/users/me')).statusCode).toBe(401);
  });

  it('locks out password guessing with 429 and Retry-After, the same for an unknown user', async () => {
    for (const username of ['alice', 'nobody']) {
      for (let i = 0; i < 3; i++) {
        const response = await login({ username, password: 'wrong-password-x' });
        expect(response.statusCode).toBe(401);
        expect(errorOf(response)).toEqual({
          code: 'UNAUTHENTICATED',
          message: 'invalid username or password',
        });
      }
      const locked = await login({ username, password: 'wrong-password-x' });
      expect(locked.statusCode).toBe(429);
      expect(locked.headers['retry-after']).toBe('30');
      expect(errorOf(locked).code).toBe('RATE_LIMITED');
    }
    clock.now += 30_000;
    expect((await login({ username: 'alice', password: alicePassword })).statusCode).toBe(200);
  });

  it('deletes a user (204), then 404', async () => {
    expect((await call(admin, 'DELETE', '/users/alice')).statusCode).toBe(204);
    expect((await call(admin, 'DELETE', '/users/alice')).statusCode).toBe(404);
    expect((await login({ username: 'alice', password: alicePassword })).statusCode).toBe(401);
  });

  it('turns TOTP off with the password and a current code', async () => {
    clock.now += 60_000;
    const code = totpCode(adminSeed, totpStep(clock.now));
    const wrong = await call(admin, 'DELETE', '/users/me/totp', {
      password: 'not-the-password',
      code,
    });
    expect(wrong.statusCode).toBe(401);
    const off = await call(admin, 'DELETE', '/users/me/totp', { password: adminPassword, code });
    expect(off.statusCode).toBe(204);
    expect((await call(admin, 'GET', '/users/me')).json()).toMatchObject({
      totpEnabled: false,
      mustEnrolTwoFactor: true,
    });
  });
});
