import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { AuthError } from '../errors.js';
import { openSecretBox } from './box.js';
import { prependMasterKey } from './master-key.js';
import { engineFixture, engines, type EngineFixture } from './test-stores.js';

const hexKey = () => randomBytes(32).toString('hex');

describe.each(engines)('secret box on %s', (engine) => {
  const fixture = engineFixture(engine);
  let env: EngineFixture;
  beforeAll(() => fixture.setUpFile());
  afterAll(() => fixture.tearDownFile());
  beforeEach(async () => {
    env = await fixture.start();
  });
  afterEach(() => fixture.stop());

  it('seals and opens a secret, storing only ciphertext', async () => {
    const box = await openSecretBox({ database: env.database, masterKey: hexKey() });
    const id = await box.seal('totp', Buffer.from('JBSWY3DPEHPK3PXP'));
    expect((await box.open(id)).toString()).toBe('JBSWY3DPEHPK3PXP');
    const row = await env.database.db.selectFrom('secrets').selectAll().executeTakeFirstOrThrow();
    expect(row.purpose).toBe('totp');
    expect(row.key_id).toBe(box.keyId);
    expect(row.ciphertext).not.toContain('JBSWY3DPEHPK3PXP');
    expect(Buffer.from(row.ciphertext, 'base64').toString('latin1')).not.toContain('JBSWY3DP');
  });

  it('uses a fresh nonce for every seal', async () => {
    const box = await openSecretBox({ database: env.database, masterKey: hexKey() });
    await box.seal('robot', Buffer.from('same'));
    await box.seal('robot', Buffer.from('same'));
    const rows = await env.database.db.selectFrom('secrets').select('ciphertext').execute();
    expect(rows[0]?.ciphertext).not.toBe(rows[1]?.ciphertext);
  });

  it('refuses a ciphertext copied onto another secret or relabelled for another purpose', async () => {
    const box = await openSecretBox({ database: env.database, masterKey: hexKey() });
    const a = await box.seal('totp', Buffer.from('alpha'));
    const b = await box.seal('totp', Buffer.from('bravo'));
    const { ciphertext } = await env.database.db
      .selectFrom('secrets')
      .select('ciphertext')
      .where('id', '=', a)
      .executeTakeFirstOrThrow();
    await sql`update secrets set ciphertext = ${ciphertext} where id = ${b}`.execute(
      env.database.db,
    );
    await expect(box.open(b)).rejects.toMatchObject({ code: 'MASTER_KEY_INVALID' });
    await sql`update secrets set purpose = 'robot' where id = ${a}`.execute(env.database.db);
    await expect(box.open(a)).rejects.toMatchObject({ code: 'MASTER_KEY_INVALID' });
  });

  it('refuses a flipped ciphertext bit', async () => {
    const box = await openSecretBox({ database: env.database, masterKey: hexKey() });
    const id = await box.seal('totp', Buffer.from('alpha'));
    const row = await env.database.db.selectFrom('secrets').selectAll().executeTakeFirstOrThrow();
    const bytes = Buffer.from(row.ciphertext, 'base64');
    bytes[14] = (bytes[14] ?? 0) ^ 1;
    await sql`update secrets set ciphertext = ${bytes.toString('base64')} where id = ${id}`.execute(
      env.database.db,
    );
    await expect(box.open(id)).rejects.toMatchObject({ code: 'MASTER_KEY_INVALID' });
  });

  it('fails at start with MASTER_KEY_INVALID when the key is not the database’s', async () => {
    await openSecretBox({ database: env.database, masterKey: hexKey() });
    const error: unknown = await openSecretBox({
      database: env.database,
      masterKey: hexKey(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'MASTER_KEY_INVALID' });
    expect((error as Error).message).toContain('MOAT_MASTER_KEY');
  });

  it('creates <dataDir>/master.key with mode 0600 on first start and reuses it', async () => {
    const first = await openSecretBox({ database: env.database, dataDir: env.dataDir });
    const path = join(env.dataDir, 'master.key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const id = await first.seal('totp', Buffer.from('seed'));
    const again = await openSecretBox({ database: env.database, dataDir: env.dataDir });
    expect((await again.open(id)).toString()).toBe('seed');
  });

  it('accepts a base64 key, and refuses malformed keys naming the source but not the key', async () => {
    const key = randomBytes(32);
    const box = await openSecretBox({ database: env.database, masterKey: key.toString('base64') });
    expect(box.keyId).toMatch(/^[0-9a-f]{16}$/);
    for (const bad of [
      '',
      'abc',
      'zz'.repeat(32),
      randomBytes(31).toString('hex'),
      `${hexKey()}0`,
    ]) {
      const error = await openSecretBox({ database: env.database, masterKey: bad }).catch(
        (e: unknown) => e as Error,
      );
      expect(error).toMatchObject({ code: 'MASTER_KEY_INVALID' });
      if (bad.length > 8) expect((error as Error).message).not.toContain(bad);
    }
  });

  it('refuses an unknown purpose shape and an oversized secret', async () => {
    const box = await openSecretBox({ database: env.database, masterKey: hexKey() });
    for (const purpose of [
      '',
      'TOTP',
      '../x',
      "x'; drop table secrets; --",
      'p\0',
      'а'.repeat(3),
    ]) {
      await expect(box.seal(purpose, Buffer.from('x'))).rejects.toMatchObject({
        code: 'INVALID_REQUEST',
      });
    }
    await expect(box.seal('totp', Buffer.alloc(64 * 1024 + 1))).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
  });

  it('answers NOT_FOUND for an unknown id and removes a secret', async () => {
    const box = await openSecretBox({ database: env.database, masterKey: hexKey() });
    await expect(box.open('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const id = await box.seal('totp', Buffer.from('x'));
    await box.remove(id);
    await box.remove(id);
    await expect(box.open(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rotates: every secret re-sealed under the new key while the old one still opens', async () => {
    const oldKey = hexKey();
    const newKey = hexKey();
    const before = await openSecretBox({ database: env.database, masterKey: oldKey });
    const ids = [];
    for (let i = 0; i < 45; i++) ids.push(await before.seal('totp', Buffer.from(`seed-${i}`)));
    const both = await openSecretBox({ database: env.database, masterKey: `${newKey},${oldKey}` });
    expect(await both.rotate()).toEqual({ keyId: both.keyId, resealed: 45 });
    expect(await both.rotate()).toEqual({ keyId: both.keyId, resealed: 0 });
    const onlyNew = await openSecretBox({ database: env.database, masterKey: newKey });
    for (const [i, id] of ids.entries())
      expect((await onlyNew.open(id)).toString()).toBe(`seed-${i}`);
    await expect(
      openSecretBox({ database: env.database, masterKey: oldKey }),
    ).rejects.toMatchObject({
      code: 'MASTER_KEY_INVALID',
    });
  });

  it('a running process re-reads its key file when it meets a secret sealed under a newer key', async () => {
    const file = join(env.dataDir, 'keys');
    writeFileSync(file, `${hexKey()}\n`, { mode: 0o600 });
    const server = await openSecretBox({ database: env.database, masterKeyFile: file });
    const id = await server.seal('totp', Buffer.from('seed'));
    const newId = prependMasterKey(file);
    expect(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => /^[0-9a-f]{64}$/.test(l)),
    ).toHaveLength(2);
    const operator = await openSecretBox({ database: env.database, masterKeyFile: file });
    expect(operator.keyId).toBe(newId);
    expect(await operator.rotate()).toMatchObject({ resealed: 1 });
    expect((await server.open(id)).toString()).toBe('seed');
  });
});
