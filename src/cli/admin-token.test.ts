/**
 * `moat admin token …` against the embedded default of a data directory: an operator creates a
 * token for any user (printed once, alone on stdout), lists and revokes it; bad input exits 2.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runInProcess as run } from '../../test/fixtures/run-in-process.js';
import { withAccessServices } from './admin-access.js';

let dir: string;
const sink = { stdout: process.stdout, stderr: process.stderr };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-cli-token-'));
  await withAccessServices({ data: dir }, sink, async ({ services }) => {
    await services.identity.createUser(
      { username: 'alice', password: 'alice-Password-4821' },
      undefined,
      { ip: '127.0.0.1' },
    );
  });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const token = (...args: string[]) => run(['admin', 'token', ...args, '--data', dir]);

function proves(text: string) {
  return withAccessServices({ data: dir }, sink, ({ services }) =>
    services.credentials.authenticateToken(text),
  );
}

describe('moat admin token', () => {
  it('creates a token for a user and prints only the token', async () => {
    const created = await token(
      'create',
      '--user',
      'alice',
      '--name',
      'ci',
      '--scopes',
      'registry:pull,registry:push',
      '--expires',
      '30d',
    );
    expect(created.code).toBe(0);
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/^moat_pat_[A-Za-z0-9_-]{43}\n$/);
    expect(await proves(created.stdout.trim())).toMatchObject({
      name: 'alice',
      tokenScopes: ['registry:pull', 'registry:push'],
    });
  });

  it('lists tokens without them, as a table or JSON, and revokes one', async () => {
    const created = await token(
      'create',
      '--user',
      'alice',
      '--name',
      'ci',
      '--scopes',
      'api:read',
      '-f',
      'json',
    );
    const { token: text, id } = JSON.parse(created.stdout) as { token: string; id: string };
    const listed = await token('list', '--user', 'alice');
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+SCOPES\s+EXPIRES\s+LAST USED\s+STATE\n/);
    expect(listed.stdout).toContain(`${id}  ci`);
    expect(listed.stdout).toMatch(/never\s+-\s+active\n$/);
    expect(listed.stdout).not.toContain(text);

    expect(await token('revoke', '--user', 'alice', '--id', id)).toMatchObject({
      code: 0,
      stdout: `revoked ${id}\n`,
    });
    expect(await proves(text)).toBeUndefined();
    const json = await token('list', '--user', 'alice', '-f', 'json');
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id, revoked: true })]);
  });

  it.each([
    [['create', '--user', 'nobody', '--name', 'x', '--scopes', 'api:read'], /no user nobody/],
    [['create', '--user', 'alice', '--name', "x'--", '--scopes', 'api:read'], /name:/],
    [['create', '--user', 'alice', '--name', 'x', '--scopes', 'root'], /scopes:/],
    [
      ['create', '--user', 'alice', '--name', 'x', '--scopes', 'api:read', '--expires', 'soon'],
      /--expires/,
    ],
    [['revoke', '--user', 'alice', '--id', 'nope'], /no such token/],
  ])('exits 2 naming the problem for %j', async (args, message) => {
    const result = await token(...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });
});
