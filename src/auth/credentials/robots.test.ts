import { describe, expect, it } from 'vitest';

import { AuthError } from '../errors.js';
import type { Principal, ProjectAction, RobotPermission } from '../model.js';
import { client, engines, useCredentialsFixture, type CredentialsFixture } from './test-fixture.js';

const day = 24 * 3600 * 1000;
const pullPush: RobotPermission[] = [{ project: 'team', actions: ['push', 'pull'] }];

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AuthError);
  return error as AuthError;
}

/** A system administrator and the project `team`. */
async function setUp(fixture: CredentialsFixture): Promise<Principal> {
  const admin = await fixture.createUser('root', { systemAdmin: true });
  await fixture.projects.createProject(admin, { name: 'team', public: false }, client);
  return admin;
}

describe.each(engines)('robot accounts on %s', (engine) => {
  const fixture = useCredentialsFixture(engine);

  it('are named robot$<project>+<name>, get a secret shown once and stored as a hash, and prove themselves with it', async () => {
    const { credentials, meta } = fixture();
    const admin = await setUp(fixture());
    const { secret, info } = await credentials.createRobot(
      admin,
      { name: 'ci', project: 'team', description: 'builds', permissions: pullPush },
      client,
    );
    expect(info).toMatchObject({
      name: 'robot$team+ci',
      project: 'team',
      description: 'builds',
      permissions: [{ project: 'team', actions: ['pull', 'push'] }],
      disabled: false,
    });
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await meta.database.db.selectFrom('robots').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(secret);

    expect(await credentials.authenticateRegistry('robot$team+ci', secret, client)).toEqual({
      kind: 'robot',
      name: 'robot$team+ci',
      id: info.id,
      permissions: [{ project: 'team', actions: ['pull', 'push'] }],
      via: 'secret',
    });
    expect(await credentials.authenticateRegistry('robot$team+ci', 'x'.repeat(43), client)).toBe(
      undefined,
    );
    expect(await credentials.authenticateRegistry('robot$team+other', secret, client)).toBe(
      undefined,
    );
    expect(await credentials.getRobot('robot$team+ci')).toEqual(info);
    expect(await credentials.listRobots('team')).toEqual([info]);
    expect(await credentials.listRobots(undefined)).toEqual([]);
  });

  it('cannot open a session', async () => {
    const { credentials, identity } = fixture();
    const admin = await setUp(fixture());
    const { secret } = await credentials.createRobot(
      admin,
      { name: 'ci', project: 'team', permissions: pullPush },
      client,
    );
    const error = await refusal(
      identity.login({ username: 'robot$team+ci', password: secret }, client),
    );
    expect(error.code).toBe('UNAUTHENTICATED');
  });

  it('lose the old secret at once when it is rotated', async () => {
    const { credentials } = fixture();
    const admin = await setUp(fixture());
    const { secret } = await credentials.createRobot(
      admin,
      { name: 'ci', project: 'team', permissions: pullPush },
      client,
    );
    const rotated = await credentials.rotateRobotSecret(admin, 'robot$team+ci', client);
    expect(rotated.secret).not.toBe(secret);
    expect(await credentials.authenticateRegistry('robot$team+ci', secret, client)).toBeUndefined();
    expect(
      await credentials.authenticateRegistry('robot$team+ci', rotated.secret, client),
    ).toBeDefined();
  });

  it('stop working while disabled, once expired, and once deleted', async () => {
    const { credentials, clock } = fixture();
    const admin = await setUp(fixture());
    const { secret } = await credentials.createRobot(
      admin,
      { name: 'ci', project: 'team', permissions: pullPush, expiresAt: new Date(clock.now + day) },
      client,
    );
    const login = () => credentials.authenticateRegistry('robot$team+ci', secret, client);
    await credentials.updateRobot(admin, 'robot$team+ci', { disabled: true }, client);
    expect(await login()).toBeUndefined();
    expect(await credentials.resolveSubject('robot$team+ci')).toBeUndefined();
    await credentials.updateRobot(admin, 'robot$team+ci', { disabled: false }, client);
    expect(await login()).toBeDefined();

    clock.now += day;
    expect(await login()).toBeUndefined();
    expect(await credentials.resolveSubject('robot$team+ci')).toBeUndefined();
    await credentials.updateRobot(admin, 'robot$team+ci', { expiresAt: null }, client);
    expect(await login()).toBeDefined();

    await credentials.deleteRobot(admin, 'robot$team+ci', client);
    expect(await login()).toBeUndefined();
    expect(await credentials.getRobot('robot$team+ci')).toBeUndefined();
    expect((await refusal(credentials.deleteRobot(admin, 'robot$team+ci', client))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('carry their current permissions into a registry token subject', async () => {
    const { credentials } = fixture();
    const admin = await setUp(fixture());
    await credentials.createRobot(
      admin,
      { name: 'ci', project: 'team', permissions: pullPush },
      client,
    );
    await credentials.updateRobot(
      admin,
      'robot$team+ci',
      { permissions: [{ project: 'team', actions: ['pull'] }] },
      client,
    );
    expect(await credentials.resolveSubject('robot$team+ci')).toMatchObject({
      kind: 'robot',
      permissions: [{ project: 'team', actions: ['pull'] }],
      via: 'token',
    });
  });

  it('act only in their own project', async () => {
    const { credentials } = fixture();
    const admin = await setUp(fixture());
    const error = await refusal(
      credentials.createRobot(
        admin,
        { name: 'ci', project: 'team', permissions: [{ project: 'other', actions: ['pull'] }] },
        client,
      ),
    );
    expect(error.code).toBe('INVALID_REQUEST');
    const everywhere = await refusal(
      credentials.createRobot(
        admin,
        { name: 'ci', project: 'team', permissions: [{ project: '*', actions: ['pull'] }] },
        client,
      ),
    );
    expect(everywhere.code).toBe('INVALID_REQUEST');
  });

  it('need an existing project, and a name not taken', async () => {
    const { credentials } = fixture();
    const admin = await setUp(fixture());
    const missing = await refusal(
      credentials.createRobot(
        admin,
        { name: 'ci', project: 'nope', permissions: [{ project: 'nope', actions: ['pull'] }] },
        client,
      ),
    );
    expect(missing.code).toBe('NOT_FOUND');
    await credentials.createRobot(
      admin,
      { name: 'ci', project: 'team', permissions: pullPush },
      client,
    );
    const taken = await refusal(
      credentials.createRobot(
        admin,
        { name: 'ci', project: 'team', permissions: pullPush },
        client,
      ),
    );
    expect(taken.code).toBe('CONFLICT');
  });

  it('at the system level are for system administrators, and may cover every project', async () => {
    const { credentials, createUser } = fixture();
    const admin = await setUp(fixture());
    const alice = await createUser('alice');
    const input = {
      name: 'mirror',
      permissions: [{ project: '*', actions: ['pull'] as ProjectAction[] }],
    };
    expect((await refusal(credentials.createRobot(alice, input, client))).code).toBe(
      'ACCESS_DENIED',
    );
    const { secret, info } = await credentials.createRobot(admin, input, client);
    expect(info.name).toBe('robot$mirror');
    expect(info.project).toBeUndefined();
    expect(await credentials.listRobots(undefined)).toEqual([info]);
    expect(await credentials.authenticateRegistry('robot$mirror', secret, client)).toMatchObject({
      kind: 'robot',
      permissions: [{ project: '*', actions: ['pull'] }],
    });
    // One attempt at a time: a refusal started before it is awaited would be unhandled.
    for (const attempt of [
      () => credentials.rotateRobotSecret(alice, 'robot$mirror', client),
      () => credentials.updateRobot(alice, 'robot$mirror', { disabled: true }, client),
      () => credentials.deleteRobot(alice, 'robot$mirror', client),
    ]) {
      expect((await refusal(attempt())).code).toBe('ACCESS_DENIED');
    }
  });

  it.each([
    ['an SQL quote', "ci'--"],
    ['a path', '../ci'],
    ['a plus', 'a+b'],
    ['a dollar', 'robot$x'],
    ['a Cyrillic look-alike', 'сi'],
    ['a NUL', 'ci\0'],
    ['upper case', 'CI'],
    ['65 characters', 'a'.repeat(65)],
  ])('refuse a name with %s', async (_what, name) => {
    const { credentials } = fixture();
    const admin = await setUp(fixture());
    const error = await refusal(
      credentials.createRobot(admin, { name, project: 'team', permissions: pullPush }, client),
    );
    expect(error.code).toBe('INVALID_REQUEST');
  });

  it('refuse a bad project, permission list, description or expiry', async () => {
    const { credentials, clock } = fixture();
    const admin = await setUp(fixture());
    const base = { name: 'ci', project: 'team', permissions: pullPush };
    const attempts = [
      { ...base, project: "team'; --" },
      { ...base, project: '../team' },
      { ...base, permissions: [] },
      { ...base, permissions: [{ project: 'team', actions: [] }] },
      { ...base, permissions: [{ project: 'team', actions: ['root' as ProjectAction] }] },
      { ...base, permissions: Array.from({ length: 33 }, () => pullPush[0]!) },
      { ...base, description: 'line\nbreak' },
      { ...base, description: 'x'.repeat(257) },
      { ...base, expiresAt: new Date(clock.now - 1) },
    ];
    for (const attempt of attempts) {
      expect((await refusal(credentials.createRobot(admin, attempt, client))).code).toBe(
        'INVALID_REQUEST',
      );
    }
    expect(await credentials.listRobots('team')).toEqual([]);
  });

  it('are audited on every change, never with the secret', async () => {
    const { credentials, events } = fixture();
    const admin = await setUp(fixture());
    const { secret } = await credentials.createRobot(
      admin,
      { name: 'ci', project: 'team', permissions: pullPush },
      client,
    );
    const rotated = await credentials.rotateRobotSecret(admin, 'robot$team+ci', client);
    await credentials.updateRobot(admin, 'robot$team+ci', { disabled: true }, client);
    await credentials.deleteRobot(admin, 'robot$team+ci', client);
    const entries = (await events()).filter((entry) => entry.action.startsWith('robot.'));
    expect(entries.map((entry) => [entry.action, entry.actor, entry.target])).toEqual([
      ['robot.create', 'root', 'robot:robot$team+ci'],
      ['robot.rotate', 'root', 'robot:robot$team+ci'],
      ['robot.update', 'root', 'robot:robot$team+ci'],
      ['robot.delete', 'root', 'robot:robot$team+ci'],
    ]);
    expect(entries[0]?.details).toEqual({ permissions: 'team:pull,push' });
    const text = JSON.stringify(entries);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(rotated.secret);
  });
});
