/**
 * `moat admin project …` and `moat admin member …` against the embedded default of a data
 * directory: what each command prints, and exit 2 with a one-line message for refused input.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runInProcess as run } from '../../test/fixtures/run-in-process.js';
import { withAccessServices } from './admin-access.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-cli-project-'));
  await withAccessServices({ data: dir }, sink, async ({ services }) => {
    for (const username of ['alice', 'bob']) {
      await services.identity.createUser(
        { username, password: 'a-Password-for-tests-4821' },
        undefined,
        { ip: '127.0.0.1' },
      );
    }
  });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sink = { stdout: process.stdout, stderr: process.stderr };
const admin = (...args: string[]) => run(['admin', ...args, '--data', dir]);

describe('moat admin project', () => {
  it('creates, lists and deletes projects', async () => {
    expect(await admin('project', 'create', 'team')).toMatchObject({
      code: 0,
      stdout: 'created project team\n',
      stderr: '',
    });
    expect((await admin('project', 'create', 'open', '--public')).code).toBe(0);
    expect((await admin('project', 'list')).stdout).toMatch(
      /^PROJECT\s+VISIBILITY\s+CREATED\nopen\s+public\s+\S+\nteam\s+private\s+\S+\n$/,
    );
    const json = JSON.parse((await admin('project', 'list', '-f', 'json')).stdout) as unknown;
    expect(json).toEqual([
      expect.objectContaining({ name: 'open', public: true }),
      expect.objectContaining({ name: 'team', public: false }),
    ]);
    expect((await admin('project', 'delete', 'open')).stdout).toBe('deleted project open\n');
    expect((await admin('project', 'list')).stdout).not.toContain('open');
  });

  it('refuses a taken or injection-shaped name with exit 2 and one line', async () => {
    await admin('project', 'create', 'team');
    const taken = await admin('project', 'create', 'team');
    expect(taken.code).toBe(2);
    expect(taken.stderr).toBe('moat: project team exists\n');
    for (const name of ['../etc', "x';--", 'tеam']) {
      const refused = await admin('project', 'create', name);
      expect(refused.code, name).toBe(2);
      expect(refused.stderr).toMatch(/^moat: a project name is 1 to 64 characters/);
      expect(refused.stderr.split('\n')).toHaveLength(2);
    }
  });
});

describe('moat admin member', () => {
  it('sets, lists and removes members, with classifications and groups', async () => {
    await admin('project', 'create', 'team');
    const set = await admin(
      'member',
      'set',
      'team',
      'alice',
      '--role',
      'developer',
      '--classification',
      'restricted,export',
    );
    expect(set).toMatchObject({ code: 0, stdout: 'user alice is developer in team\n' });
    await withAccessServices({ data: dir }, sink, ({ services }) =>
      services.projects.setGroupMembers(
        { kind: 'user', name: 'root', systemAdmin: true },
        'ops',
        ['bob'],
        { ip: '127.0.0.1' },
      ),
    );
    expect((await admin('member', 'set', 'team', 'ops', '--group', '--role', 'guest')).code).toBe(
      0,
    );
    expect((await admin('member', 'list', 'team')).stdout).toMatch(
      /^MEMBER\s+KIND\s+ROLE\s+CLASSIFICATIONS\nalice\s+user\s+developer\s+export,restricted\nops\s+group\s+guest\n$/,
    );
    expect((await admin('member', 'remove', 'team', 'alice')).stdout).toBe(
      'removed user alice from team\n',
    );
    const listed = JSON.parse(
      (await admin('member', 'list', 'team', '-f', 'json')).stdout,
    ) as unknown;
    expect(listed).toEqual([
      { project: 'team', kind: 'group', name: 'ops', role: 'guest', classifications: [] },
    ]);
  });

  it('refuses an unknown role, user or project with exit 2', async () => {
    await admin('project', 'create', 'team');
    const cases: [string[], RegExp][] = [
      [['member', 'set', 'team', 'alice', '--role', 'owner'], /^moat: a role is one of/],
      [['member', 'set', 'team', 'nobody', '--role', 'guest'], /^moat: no user of that name/],
      [['member', 'set', 'ghost', 'alice', '--role', 'guest'], /^moat: no project ghost/],
      [['member', 'list', 'ghost'], /^moat: no project ghost/],
    ];
    for (const [args, message] of cases) {
      const refused = await admin(...args);
      expect(refused.code, args.join(' ')).toBe(2);
      expect(refused.stderr).toMatch(message);
    }
  });

  it('records the operator as system in the audit log', async () => {
    await admin('project', 'create', 'team');
    await admin('member', 'set', 'team', 'alice', '--role', 'guest');
    const entries = await withAccessServices({ data: dir }, sink, ({ services }) =>
      services.audit.query({ limit: 100 }),
    );
    expect(
      entries
        .filter((e) => e.action.startsWith('project.') || e.action.startsWith('member.'))
        .map((e) => [e.action, e.actor, e.actorKind, e.clientIp]),
    ).toEqual([
      ['project.create', 'system', 'system', 'local'],
      ['member.set', 'system', 'system', 'local'],
    ]);
  });
});
