/**
 * `moat admin robot …` against the embedded default of a data directory: project and system
 * robots created by an operator (the secret printed once, alone on stdout), listed, rotated,
 * disabled, enabled and deleted; bad input exits 2.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runInProcess as run } from '../../test/fixtures/run-in-process.js';
import { withAccessServices } from './admin-access.js';

let dir: string;
const sink = { stdout: process.stdout, stderr: process.stderr };
const local = { ip: '127.0.0.1' };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-cli-robot-'));
  await withAccessServices({ data: dir }, sink, async ({ services }) => {
    const root = await services.identity.createUser(
      { username: 'root', password: 'root-Password-4821', systemAdmin: true },
      undefined,
      local,
    );
    await services.projects.createProject(
      { kind: 'user', name: 'root', id: root.id, systemAdmin: true },
      { name: 'team', public: false },
      local,
    );
  });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const robot = (...args: string[]) => run(['admin', 'robot', ...args, '--data', dir]);

function login(name: string, secret: string) {
  return withAccessServices({ data: dir }, sink, ({ services }) =>
    services.credentials.authenticateRegistry(name, secret, local),
  );
}

describe('moat admin robot', () => {
  it('creates a project robot, prints only its secret, and rotates it', async () => {
    const created = await robot(
      'create',
      '--name',
      'ci',
      '--project',
      'team',
      '--permissions',
      'pull,push',
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(created.stderr).toBe('moat: created robot$team+ci\n');
    const secret = created.stdout.trim();
    expect(await login('robot$team+ci', secret)).toMatchObject({
      kind: 'robot',
      permissions: [{ project: 'team', actions: ['pull', 'push'] }],
    });

    const rotated = await robot('rotate', 'robot$team+ci');
    expect(rotated.code).toBe(0);
    expect(await login('robot$team+ci', secret)).toBeUndefined();
    expect(await login('robot$team+ci', rotated.stdout.trim())).toBeDefined();
  });

  it('creates a system robot over listed projects, lists, disables, enables and deletes it', async () => {
    const created = await robot(
      'create',
      '--name',
      'mirror',
      '--projects',
      '*',
      '--permissions',
      'pull',
      '-f',
      'json',
    );
    const { secret, name } = JSON.parse(created.stdout) as { secret: string; name: string };
    expect(name).toBe('robot$mirror');
    const listed = await robot('list');
    expect(listed.stdout).toMatch(
      /^NAME\s+PERMISSIONS\s+EXPIRES\s+STATE\nrobot\$mirror\s+\*:pull\s+never\s+enabled\n$/,
    );
    expect((await robot('disable', 'robot$mirror')).stdout).toBe('disabled robot$mirror\n');
    expect(await login('robot$mirror', secret)).toBeUndefined();
    expect((await robot('enable', 'robot$mirror')).stdout).toBe('enabled robot$mirror\n');
    expect(await login('robot$mirror', secret)).toBeDefined();
    expect((await robot('delete', 'robot$mirror')).stdout).toBe('deleted robot$mirror\n');
    expect((await robot('list')).stdout).toBe('no robots\n');
  });

  it('records the operator as the actor in the audit log', async () => {
    await robot('create', '--name', 'ci', '--project', 'team', '--permissions', 'pull');
    const entries = await withAccessServices({ data: dir }, sink, ({ services }) =>
      services.audit.query({ action: 'robot.create', limit: 10 }),
    );
    expect(entries).toMatchObject([
      { actor: 'system', actorKind: 'system', target: 'robot:robot$team+ci' },
    ]);
  });

  it.each([
    [['create', '--name', 'ci', '--permissions', 'pull'], /--projects/],
    [
      ['create', '--name', 'ci', '--project', 'team', '--projects', 'x', '--permissions', 'pull'],
      /--projects/,
    ],
    [['create', '--name', 'c/i', '--project', 'team', '--permissions', 'pull'], /name:/],
    [
      ['create', '--name', 'ci', '--project', 'nope', '--permissions', 'pull'],
      /project nope not found/,
    ],
    [['create', '--name', 'ci', '--project', 'team', '--permissions', 'root'], /unknown action/],
    [['rotate', 'robot$team+nobody'], /no such robot/],
    [['delete', "robot$team+x'--"], /no such robot/],
  ])('exits 2 naming the problem for %j', async (args, message) => {
    const result = await robot(...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });
});
