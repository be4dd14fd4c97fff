/**
 * `moat admin user …` as an operator meets it, against the embedded default of a data directory:
 * what each command prints, passwords from the environment or generated once, and exit 2 with a
 * one-line message for refused input.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { runInProcess as run } from '../../test/fixtures/run-in-process.js';
import { withAccessServices } from './admin-access.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-cli-user-'));
  vi.stubEnv('MOAT_USER_PASSWORD', '');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

const user = (...args: string[]) => run(['admin', 'user', ...args, '--data', dir]);
const sink = { stdout: process.stdout, stderr: process.stderr };

async function canLogIn(username: string, password: string): Promise<boolean> {
  return withAccessServices({ data: dir }, sink, async ({ services }) =>
    services.identity
      .login({ username, password }, { ip: '127.0.0.1' })
      .then(() => true)
      .catch(() => false),
  );
}

describe('moat admin user', () => {
  it('creates a user with the password from MOAT_USER_PASSWORD, and lists it', async () => {
    vi.stubEnv('MOAT_USER_PASSWORD', 'alice-Password-4821');
    const created = await user('create', 'alice', '--email', 'alice@example.com');
    expect(created).toMatchObject({ code: 0, stdout: 'created user alice\n', stderr: '' });
    const listed = await user('list');
    expect(listed.stdout).toMatch(
      /^USERNAME\s+ROLE\s+STATE\s+2FA\s+EMAIL\nalice\s+alice@example.com\n$/,
    );
    const json = await user('list', '-f', 'json');
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({
        username: 'alice',
        email: 'alice@example.com',
        systemAdmin: false,
      }),
    ]);
    expect(await canLogIn('alice', 'alice-Password-4821')).toBe(true);
  });

  it('generates a password when none is given and prints it once', async () => {
    const created = await user('create', 'root', '--system-admin');
    expect(created.code).toBe(0);
    const password = /^password: (\S+) \(shown once\)$/m.exec(created.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await user('list')).stdout).toMatch(/root\s+admin\s+must enrol/);
    expect(await canLogIn('root', password!)).toBe(true);
  });

  it('updates, resets the password, revokes sessions and deletes', async () => {
    vi.stubEnv('MOAT_USER_PASSWORD', 'bob-Password-99314');
    await user('create', 'bob');
    await user('create', 'root', '--system-admin');
    expect(await canLogIn('bob', 'bob-Password-99314')).toBe(true);
    expect((await user('revoke-sessions', 'bob')).stdout).toBe('ended 1 session of bob\n');
    vi.stubEnv('MOAT_USER_PASSWORD', '');
    const reset = await user('update', 'bob', '--new-password', '--email', 'bob@example.com');
    const password = /^password: (\S+) \(shown once\)$/m.exec(reset.stdout)?.[1];
    expect(await canLogIn('bob', password!)).toBe(true);
    expect((await user('update', 'bob', '--disable')).code).toBe(0);
    expect(await canLogIn('bob', password!)).toBe(false);
    expect((await user('delete', 'bob')).stdout).toBe('deleted user bob\n');
    expect((await user('list', '-f', 'json')).stdout).not.toContain('"bob"');
  });

  it.each([
    [['create', "x'; drop table users"], /username must be/],
    [['create', '../etc'], /username must be/],
    [['create', 'аlice'], /username must be/],
    [['update', 'nobody', '--disable'], /no user "nobody"/],
    [['update', 'nobody'], /nothing to change/],
    [['delete', 'nobody'], /no user "nobody"/],
  ])('refuses %j with exit 2 and one line', async (args, message) => {
    const result = await user(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a weak password without printing it', async () => {
    vi.stubEnv('MOAT_USER_PASSWORD', 'qwerty123456');
    const result = await user('create', 'carol');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/too weak/);
    expect(result.stderr + result.stdout).not.toContain('qwerty123456');
  });

  it('will not remove the last enabled system administrator', async () => {
    await user('create', 'root', '--system-admin');
    const result = await user('update', 'root', '--no-system-admin');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no enabled system administrator/);
  });
});
