/**
 * `moat admin audit verify|list|export` and `moat admin rotate-master-key` as an operator runs
 * them, against a data directory (SQLite) and against PostgreSQL through `MOAT_DATABASE_URL`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { runInProcess as run } from '../../test/fixtures/run-in-process.js';
import { openAuditLog } from '../auth/audit/log.js';
import { openSecretBox } from '../auth/secrets/box.js';
import { createTestDatabase, type TestDatabase } from '../store/metadata/test-database.js';
import { openStores, type OpenStores } from '../store/open.js';

describe.each(['sqlite', 'postgres'] as const)('moat admin audit on %s', (engine) => {
  let dir: string;
  let database: TestDatabase | undefined;
  const savedUrl = process.env['MOAT_DATABASE_URL'];

  beforeAll(async () => {
    if (engine === 'postgres') database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-cli-audit-'));
    if (database) {
      await database.truncate();
      process.env['MOAT_DATABASE_URL'] = database.url;
    }
  });
  afterEach(async () => {
    if (savedUrl === undefined) delete process.env['MOAT_DATABASE_URL'];
    else process.env['MOAT_DATABASE_URL'] = savedUrl;
    await rm(dir, { recursive: true, force: true });
  });

  /** Opens the installation's stores, as `moat serve` would. */
  function openInstallation(): Promise<OpenStores> {
    return openStores({
      metadata: database
        ? { kind: 'postgres', url: database.url }
        : { kind: 'sqlite', path: join(dir, 'moat.db') },
      blobs: { kind: 'fs', root: join(dir, 'blobs') },
    });
  }

  /** Three entries and one sealed secret; resolves to the secret's id. */
  async function seed(): Promise<string> {
    const stores = await openInstallation();
    try {
      const secrets = await openSecretBox({ database: stores.database, dataDir: dir });
      const audit = await openAuditLog({ database: stores.database, secrets });
      for (const [actor, action] of [
        ['alice', 'auth.login'],
        ['bob', 'registry.push'],
        ['alice', 'registry.pull'],
      ] as const) {
        audit.record({
          actor,
          actorKind: 'user',
          clientIp: '192.0.2.7',
          action,
          target: 'team/app@sha256:1',
          outcome: 'success',
        });
      }
      await audit.flush();
      return await secrets.seal('totp', Buffer.from('seed-of-alice'));
    } finally {
      await stores.close();
    }
  }

  async function tamper(statement: ReturnType<typeof sql>): Promise<void> {
    const stores = await openInstallation();
    try {
      await statement.execute(stores.database.db);
    } finally {
      await stores.close();
    }
  }

  it('verify: exit 0 with the head when intact', async () => {
    await seed();
    const result = await run(['admin', 'audit', 'verify', '--data', dir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^audit log intact: 3 entries, head 3:[0-9a-f]{64}\n$/);
  });

  it('verify: exit 3 naming the first bad entry after an edit or a deletion', async () => {
    await seed();
    await tamper(sql`update audit_log set actor = 'mallory' where seq = 2`);
    const edited = await run(['admin', 'audit', 'verify', '--data', dir]);
    expect(edited.code).toBe(3);
    expect(edited.stdout).toContain('audit log broken at entry 2');
    await tamper(sql`delete from audit_log where seq = 2`);
    expect((await run(['admin', 'audit', 'verify', '--data', dir])).stdout).toContain(
      'entry 2 is missing',
    );
    const json = await run(['admin', 'audit', 'verify', '--data', dir, '--format', 'json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it('list: filters and pages; bad values are usage errors', async () => {
    await seed();
    const alice = await run(['admin', 'audit', 'list', '--data', dir, '--actor', 'alice']);
    expect(alice.code).toBe(0);
    expect(alice.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(alice.stdout).toContain('auth.login');
    const page = await run([
      'admin',
      'audit',
      'list',
      '--data',
      dir,
      '--after',
      '1',
      '--limit',
      '1',
      '-f',
      'json',
    ]);
    expect((JSON.parse(page.stdout) as { seq: number }[]).map((e) => e.seq)).toEqual([2]);
    for (const bad of [
      ['--limit', '0'],
      ['--limit', '5000'],
      ['--after', '-1'],
      ['--since', 'yesterday'],
    ]) {
      const result = await run(['admin', 'audit', 'list', '--data', dir, ...bad]);
      expect(result.code, bad.join(' ')).toBe(2);
    }
  });

  it('export: JSON Lines to stdout or a new file', async () => {
    await seed();
    const out = await run(['admin', 'audit', 'export', '--data', dir, '--target', 'team/*']);
    expect(out.code).toBe(0);
    const lines = out.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number });
    expect(lines.map((line) => line.seq)).toEqual([1, 2, 3]);
    const file = join(dir, 'audit.jsonl');
    expect((await run(['admin', 'audit', 'export', '--data', dir, '-o', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(out.stdout);
  });

  it('rotate-master-key --generate: a new first key, every secret re-sealed, the chain intact', async () => {
    const id = await seed();
    const keyFile = join(dir, 'master.key');
    const before = readFileSync(keyFile, 'utf8');
    const result = await run(['admin', 'rotate-master-key', '--data', dir, '--generate']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The chain key and the TOTP seed.
    expect(result.stdout).toMatch(/^re-encrypted 2 secrets under master key [0-9a-f]{16}/);
    const keys = readFileSync(keyFile, 'utf8')
      .split('\n')
      .filter((line) => /^[0-9a-f]{64}$/.test(line));
    expect(keys).toHaveLength(2);
    expect(before).toContain(keys[1]);
    const stores = await openInstallation();
    try {
      const secrets = await openSecretBox({ database: stores.database, dataDir: dir });
      expect((await secrets.open(id)).toString()).toBe('seed-of-alice');
    } finally {
      await stores.close();
    }
    const verify = await run(['admin', 'audit', 'verify', '--data', dir]);
    expect(verify.stdout).toContain('audit log intact: 4 entries');
    const rotated = await run([
      'admin',
      'audit',
      'list',
      '--data',
      dir,
      '--action',
      'secrets.rotate',
    ]);
    expect(rotated.stdout).toContain('"resealed":2');
  });

  it('refuses a wrong master key before changing anything', async () => {
    await seed();
    const other = join(dir, 'other.key');
    writeFileSync(other, `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    process.env['MOAT_MASTER_KEY_FILE'] = other;
    try {
      const result = await run(['admin', 'rotate-master-key', '--data', dir]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('not the one this database');
    } finally {
      delete process.env['MOAT_MASTER_KEY_FILE'];
    }
  });
});
