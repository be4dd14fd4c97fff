/**
 * The project, member and group routes through `registerApi`, with the real access services on
 * SQLite and PostgreSQL; callers authenticate with personal access tokens (the system
 * administrator after enrolling TOTP, as it must).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Fastify, { type FastifyInstance } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openAccessServices, type AccessServices } from '../../../auth/open.js';
import type { UserPrincipal } from '../../../auth/services.js';
import { createTestDatabase, type TestDatabase } from '../../../store/metadata/test-database.js';
import { openStores, type OpenStores } from '../../../store/open.js';
import { registerApi } from '../index.js';
import { projectRoutes } from './projects.js';

const client = { ip: '127.0.0.1' };
const password = 'a-Password-for-tests-4821';

describe.each(['sqlite', 'postgres'] as const)('project routes on %s', (engine) => {
  let dir: string;
  let database: TestDatabase | undefined;
  let stores: OpenStores;
  let services: AccessServices;
  let app: FastifyInstance;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-api-projects-'));
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
        adminPassword: password,
        requireTwoFactor: 'admins',
        sessionIdleTimeoutMs: 30 * 60_000,
        sessionMaxAgeMs: 12 * 3_600_000,
        lockoutThreshold: 3,
        lockoutDurationMs: 60_000,
      },
      dataDir: dir,
      log: () => undefined,
    });
    const { identity, credentials } = services;
    const admin = await identity.getUser('admin');
    const adminPrincipal: UserPrincipal = {
      kind: 'user',
      name: 'admin',
      id: admin?.id ?? '',
      systemAdmin: true,
    };
    const { secret } = await identity.beginTotp(adminPrincipal, client);
    await identity.confirmTotp(
      adminPrincipal,
      new TOTP({ secret: Secret.fromBase32(secret) }).generate(),
      client,
    );
    const users: Record<string, UserPrincipal> = { admin: adminPrincipal };
    for (const username of ['alice', 'bob', 'carol']) {
      const info = await identity.createUser({ username, password }, undefined, client);
      users[username] = { kind: 'user', name: username, id: info.id };
    }
    for (const [username, user] of Object.entries(users)) {
      tokens[username] = (
        await credentials.createToken(
          user,
          { name: 'api', scopes: ['api:read', 'api:write'] },
          client,
        )
      ).token;
    }
    tokens['alice-read'] = (
      await credentials.createToken(
        users['alice'] as UserPrincipal,
        { name: 'ro', scopes: ['api:read'] },
        client,
      )
    ).token;
    app = Fastify();
    registerApi(app, {
      routes: projectRoutes(services),
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

  const call = (
    as: string,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
  ) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${tokens[as] ?? ''}` },
      ...(payload ? { payload } : {}),
    });
  const codeOf = (response: { json(): unknown }) =>
    (response.json() as { error: { code: string } }).error.code;

  it('lets the system administrator create a project, once', async () => {
    const created = await call('admin', 'POST', '/projects', { name: 'team' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'team', public: false });
    const again = await call('admin', 'POST', '/projects', { name: 'team', public: true });
    expect(again.statusCode).toBe(409);
    expect(codeOf(again)).toBe('CONFLICT');
  });

  it('refuses project creation to other users', async () => {
    const response = await call('alice', 'POST', '/projects', { name: 'mine' });
    expect(response.statusCode).toBe(403);
    expect(codeOf(response)).toBe('ACCESS_DENIED');
  });

  it('refuses injection-shaped names and unknown fields with 400', async () => {
    for (const name of [
      '../etc',
      "x'; drop table projects; --",
      'tеam',
      'a\u0000b',
      'UPPER',
      'a'.repeat(65),
    ]) {
      const response = await call('admin', 'POST', '/projects', { name });
      expect(response.statusCode, name).toBe(400);
      expect(codeOf(response)).toBe('INVALID_REQUEST');
    }
    expect(
      (await call('admin', 'POST', '/projects', { name: 'ok', owner: 'alice' })).statusCode,
    ).toBe(400);
    expect(
      (await call('admin', 'PUT', '/projects/team/members/..%2Fetc', { role: 'guest' })).statusCode,
    ).toBe(400);
  });

  it('sets members and lists them to members who may read them', async () => {
    const set = await call('admin', 'PUT', '/projects/team/members/alice', {
      role: 'projectAdmin',
      classifications: ['restricted'],
    });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({
      kind: 'user',
      name: 'alice',
      role: 'projectAdmin',
      classifications: ['restricted'],
    });
    // A project administrator manages members.
    expect(
      (await call('alice', 'PUT', '/projects/team/members/bob', { role: 'guest' })).statusCode,
    ).toBe(200);
    expect(
      (await call('alice', 'PUT', '/projects/team/members/carol', { role: 'limitedGuest' }))
        .statusCode,
    ).toBe(200);
    const listed = await call('bob', 'GET', '/projects/team/members');
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual({
      members: [
        { kind: 'user', name: 'alice', role: 'projectAdmin', classifications: ['restricted'] },
        { kind: 'user', name: 'bob', role: 'guest', classifications: [] },
        { kind: 'user', name: 'carol', role: 'limitedGuest', classifications: [] },
      ],
    });
    // A limited guest may not see the members; a guest may not change them.
    expect((await call('carol', 'GET', '/projects/team/members')).statusCode).toBe(403);
    expect(
      (await call('bob', 'PUT', '/projects/team/members/carol', { role: 'developer' })).statusCode,
    ).toBe(403);
    // A read-only token cannot write, whatever its user's role.
    expect(
      (await call('alice-read', 'PUT', '/projects/team/members/carol', { role: 'developer' }))
        .statusCode,
    ).toBe(403);
  });

  it('refuses bad roles, classifications and unknown users', async () => {
    const cases: [object, string, number][] = [
      [{ role: 'owner' }, 'bob', 400],
      [{ role: 'guest', classifications: ['Top Secret'] }, 'bob', 400],
      [
        { role: 'guest', classifications: Array.from({ length: 17 }, (_, i) => `c${i}`) },
        'bob',
        400,
      ],
      [{ role: 'guest' }, 'nobody', 404],
    ];
    for (const [body, user, status] of cases) {
      expect(
        (await call('admin', 'PUT', `/projects/team/members/${user}`, body)).statusCode,
        JSON.stringify(body),
      ).toBe(status);
    }
  });

  it('removes members', async () => {
    expect((await call('alice', 'DELETE', '/projects/team/members/carol')).statusCode).toBe(204);
    expect((await call('alice', 'DELETE', '/projects/team/members/carol')).statusCode).toBe(404);
  });

  it('manages groups (system administrators) and their roles in projects', async () => {
    const put = await call('admin', 'PUT', '/groups/ops', { members: ['carol', 'bob', 'carol'] });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ name: 'ops', members: ['bob', 'carol'] });
    expect((await call('alice', 'PUT', '/groups/ops', { members: [] })).statusCode).toBe(403);
    expect((await call('alice', 'GET', '/groups')).statusCode).toBe(403);
    expect((await call('admin', 'GET', '/groups')).json()).toEqual({
      groups: [{ name: 'ops', members: ['bob', 'carol'] }],
    });
    expect(
      (await call('alice', 'PUT', '/projects/team/groups/ops', { role: 'developer' })).statusCode,
    ).toBe(200);
    expect(await services.authorizer.can({ kind: 'user', name: 'carol' }, 'team', 'push')).toBe(
      true,
    );
    expect((await call('alice', 'DELETE', '/projects/team/groups/ops')).statusCode).toBe(204);
    expect(await services.authorizer.can({ kind: 'user', name: 'carol' }, 'team', 'push')).toBe(
      false,
    );
  });

  it('shows, lists, updates and deletes projects as each caller may', async () => {
    expect(
      (await call('admin', 'POST', '/projects', { name: 'open', public: true })).statusCode,
    ).toBe(201);
    const names = async (as: string) =>
      (await call(as, 'GET', '/projects'))
        .json<{ projects: { name: string }[] }>()
        .projects.map((p) => p.name);
    expect(await names('admin')).toEqual(['open', 'team']);
    expect(await names('bob')).toEqual(['open', 'team']);
    expect(await names('carol')).toEqual(['open']);
    expect((await call('carol', 'GET', '/projects/team')).statusCode).toBe(403);
    expect((await call('carol', 'GET', '/projects/open')).statusCode).toBe(200);
    expect((await call('bob', 'PATCH', '/projects/team', { public: true })).statusCode).toBe(403);
    const patched = await call('alice', 'PATCH', '/projects/team', { public: true });
    expect(patched.json()).toMatchObject({ name: 'team', public: true });
    expect((await call('bob', 'DELETE', '/projects/team')).statusCode).toBe(403);
    expect((await call('alice', 'DELETE', '/projects/team')).statusCode).toBe(204);
    expect((await call('admin', 'GET', '/projects/team')).statusCode).toBe(404);
    expect((await call('alice', 'GET', '/projects/team')).statusCode).toBe(403);
  });

  it('records each change in the audit log', async () => {
    await services.audit.flush();
    const entries = await services.audit.query({ action: 'member.set', limit: 100 });
    expect(entries.length).toBeGreaterThanOrEqual(3);
    expect(entries[0]).toMatchObject({
      actor: 'admin',
      target: 'project:team',
      outcome: 'success',
    });
    const denied = await services.audit.query({
      action: 'project.create',
      outcome: 'denied',
      limit: 10,
    });
    expect(denied).toMatchObject([{ actor: 'alice', target: 'project:mine' }]);
  });
});
