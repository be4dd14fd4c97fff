import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { client, engines, useCredentialsFixture } from '../../../auth/credentials/test-fixture.js';
import { sessionHeaders, tokenAndRobotApi } from './test-app.js';

interface RobotView {
  name: string;
  project?: string;
  permissions: { project: string; actions: string[] }[];
  disabled: boolean;
  expiresAt?: string;
  secret?: string;
}

describe.each(engines)('/api/v1 robots on %s', (engine) => {
  const fixture = useCredentialsFixture(engine);
  let app: FastifyInstance;
  /** Headers of alice (projectAdmin of team), bob (developer of team) and root (system admin, by token). */
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let root: Record<string, string>;

  beforeEach(async () => {
    const f = fixture();
    const admin = await f.createUser('root', { systemAdmin: true });
    await f.createUser('alice');
    await f.createUser('bob');
    await f.projects.createProject(admin, { name: 'team', public: false }, client);
    await f.projects.createProject(admin, { name: 'other', public: false }, client);
    await f.projects.setMember(
      admin,
      'team',
      { kind: 'user', name: 'alice', role: 'projectAdmin' },
      client,
    );
    await f.projects.setMember(
      admin,
      'team',
      { kind: 'user', name: 'bob', role: 'developer' },
      client,
    );
    app = await tokenAndRobotApi(f);
    alice = await sessionHeaders(f, 'alice');
    bob = await sessionHeaders(f, 'bob');
    const { token } = await f.credentials.createToken(
      admin,
      { name: 'admin', scopes: ['api:read', 'api:write'] },
      client,
    );
    root = { authorization: `Bearer ${token}` };
  });
  afterEach(async () => {
    await app.close();
  });

  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    headers: Record<string, string>,
    payload?: object,
  ) => app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

  it('lets a project admin create a robot (secret shown once), list, rotate, disable and delete it', async () => {
    const created = await call('POST', '/projects/team/robots', alice, {
      name: 'ci',
      permissions: ['pull', 'push'],
      expiresAt: '2026-06-01T00:00:00Z',
      description: 'builds',
    });
    expect(created.statusCode).toBe(201);
    const robot = created.json<RobotView>();
    expect(robot).toMatchObject({
      name: 'robot$team+ci',
      project: 'team',
      permissions: [{ project: 'team', actions: ['pull', 'push'] }],
      expiresAt: '2026-06-01T00:00:00.000Z',
      disabled: false,
    });
    const secret = robot.secret!;
    const login = (password: string) =>
      fixture().credentials.authenticateRegistry('robot$team+ci', password, client);
    expect(await login(secret)).toMatchObject({ kind: 'robot' });

    const listed = await call('GET', '/projects/team/robots', alice);
    expect(listed.statusCode).toBe(200);
    expect(listed.json<{ robots: RobotView[] }>().robots.map((r) => r.name)).toEqual([
      'robot$team+ci',
    ]);
    expect(listed.body).not.toContain(secret);

    const rotated = await call('POST', '/projects/team/robots/ci/secret', alice);
    expect(rotated.statusCode).toBe(200);
    const next = rotated.json<{ name: string; secret: string }>();
    expect(next.name).toBe('robot$team+ci');
    expect(await login(secret)).toBeUndefined();
    expect(await login(next.secret)).toBeDefined();

    const disabled = await call('PATCH', '/projects/team/robots/ci', alice, {
      disabled: true,
      permissions: ['pull'],
    });
    expect(disabled.json<RobotView>()).toMatchObject({
      disabled: true,
      permissions: [{ project: 'team', actions: ['pull'] }],
    });
    expect(await login(next.secret)).toBeUndefined();

    expect((await call('DELETE', '/projects/team/robots/ci', alice)).statusCode).toBe(204);
    expect((await call('DELETE', '/projects/team/robots/ci', alice)).statusCode).toBe(404);
  });

  it('refuses robot management to a developer and to anyone outside the project', async () => {
    const refused = await call('POST', '/projects/team/robots', bob, {
      name: 'ci',
      permissions: ['pull'],
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'ACCESS_DENIED' } });
    const elsewhere = await call('POST', '/projects/other/robots', alice, {
      name: 'ci',
      permissions: ['pull'],
    });
    expect(elsewhere.statusCode).toBe(403);
    expect((await call('GET', '/projects/other/robots', alice)).statusCode).toBe(403);
    await call('POST', '/projects/team/robots', alice, { name: 'ci', permissions: ['pull'] });
    for (const [method, url] of [
      ['POST', '/projects/team/robots/ci/secret'],
      ['PATCH', '/projects/team/robots/ci'],
      ['DELETE', '/projects/team/robots/ci'],
    ] as const) {
      const response = await call(
        method,
        url,
        bob,
        method === 'PATCH' ? { disabled: true } : undefined,
      );
      expect(response.statusCode).toBe(403);
    }
  });

  it("keeps a project robot's permissions inside its project", async () => {
    const response = await call('POST', '/projects/team/robots', alice, {
      name: 'ci',
      permissions: [{ project: 'other', actions: ['pull'] }],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
  });

  it('keeps system robots for system administrators', async () => {
    const body = { name: 'mirror', permissions: [{ project: '*', actions: ['pull'] }] };
    expect((await call('POST', '/robots', alice, body)).statusCode).toBe(403);
    expect((await call('GET', '/robots', alice)).statusCode).toBe(403);
    const created = await call('POST', '/robots', root, body);
    expect(created.statusCode).toBe(201);
    expect(created.json<RobotView>()).toMatchObject({
      name: 'robot$mirror',
      permissions: [{ project: '*', actions: ['pull'] }],
    });
    expect(
      (await call('GET', '/robots', root)).json<{ robots: RobotView[] }>().robots,
    ).toHaveLength(1);
    expect((await call('POST', '/robots/mirror/secret', alice)).statusCode).toBe(403);
    expect((await call('POST', '/robots/mirror/secret', root)).statusCode).toBe(200);
    expect((await call('PATCH', '/robots/mirror', root, { expiresAt: null })).statusCode).toBe(200);
    expect((await call('DELETE', '/robots/mirror', alice)).statusCode).toBe(403);
    expect((await call('DELETE', '/robots/mirror', root)).statusCode).toBe(204);
  });

  it.each([
    ['an SQL-shaped name', { name: "ci'--", permissions: ['pull'] }],
    ['a path as the name', { name: '../ci', permissions: ['pull'] }],
    ['a Cyrillic name', { name: 'сi', permissions: ['pull'] }],
    ['a NUL in the name', { name: 'ci\u0000', permissions: ['pull'] }],
    ['an unknown action', { name: 'ci', permissions: ['pull', 'root'] }],
    ['no permission', { name: 'ci', permissions: [] }],
    ['a long description', { name: 'ci', permissions: ['pull'], description: 'x'.repeat(257) }],
    [
      'a control character in the description',
      { name: 'ci', permissions: ['pull'], description: 'a\u0007b' },
    ],
    ['an unknown field', { name: 'ci', permissions: ['pull'], secret: 'mine' }],
  ])('answers 400 to %s', async (_what, payload) => {
    const response = await call('POST', '/projects/team/robots', alice, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
    expect(await fixture().credentials.listRobots('team')).toEqual([]);
  });

  it('answers 400 to injection-shaped project and robot names in the path', async () => {
    for (const url of [
      "/projects/team'--/robots",
      '/projects/..%2Fteam/robots',
      '/projects/%D1%81team/robots',
      '/projects/team/robots/ci%00/secret',
      '/projects/team/robots/..%2Fci/secret',
    ]) {
      const response = await call(url.endsWith('/secret') ? 'POST' : 'GET', url, alice);
      expect(response.statusCode).toBe(400);
    }
  });
});
