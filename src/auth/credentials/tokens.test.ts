import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { AuthError } from '../errors.js';
import type { TokenScope } from '../model.js';
import { client, engines, useCredentialsFixture } from './test-fixture.js';

const day = 24 * 3600 * 1000;

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AuthError);
  return error as AuthError;
}

describe.each(engines)('personal access tokens on %s', (engine) => {
  const fixture = useCredentialsFixture(engine);

  it('are shown once as moat_pat_…, stored only as their SHA-256, and prove their user with their scopes', async () => {
    const { credentials, createUser, meta } = fixture();
    const alice = await createUser('alice');
    const { token, info } = await credentials.createToken(
      alice,
      { name: 'ci', scopes: ['registry:push', 'registry:pull'] },
      client,
    );
    expect(token).toMatch(/^moat_pat_[A-Za-z0-9_-]{43}$/);
    expect(info).toMatchObject({ name: 'ci', scopes: ['registry:pull', 'registry:push'] });
    expect(info.revoked).toBe(false);

    const rows = await meta.database.db.selectFrom('personal_access_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token.slice('moat_pat_'.length));
    expect(rows[0]?.token_hash).toBe(createHash('sha256').update(token).digest('hex'));

    expect(await credentials.authenticateToken(token)).toEqual({
      kind: 'user',
      name: 'alice',
      id: alice.id,
      systemAdmin: false,
      via: 'pat',
      tokenScopes: ['registry:pull', 'registry:push'],
    });
  });

  it('are listed without the token, with their last use', async () => {
    const { credentials, createUser, clock } = fixture();
    const alice = await createUser('alice');
    const bob = await createUser('bob');
    const { token } = await credentials.createToken(
      alice,
      { name: 'laptop', scopes: ['api:read'], expiresAt: new Date(clock.now + 30 * day) },
      client,
    );
    await credentials.createToken(bob, { name: 'other', scopes: ['api:read'] }, client);
    clock.now += 1000;
    await credentials.authenticateToken(token);
    const [listed, ...rest] = await credentials.listTokens(alice);
    expect(rest).toEqual([]);
    expect(listed).toMatchObject({
      name: 'laptop',
      scopes: ['api:read'],
      expiresAt: new Date(clock.now - 1000 + 30 * day),
      lastUsedAt: new Date(clock.now),
      revoked: false,
    });
    expect(JSON.stringify(listed)).not.toContain(token);
  });

  it('stop working once revoked, and only their owner revokes them', async () => {
    const { credentials, createUser } = fixture();
    const alice = await createUser('alice');
    const bob = await createUser('bob');
    const { token, info } = await credentials.createToken(
      alice,
      { name: 'ci', scopes: ['registry:pull'] },
      client,
    );
    expect((await refusal(credentials.revokeToken(bob, info.id, client))).code).toBe('NOT_FOUND');
    expect(await credentials.authenticateToken(token)).toBeDefined();

    await credentials.revokeToken(alice, info.id, client);
    expect(await credentials.authenticateToken(token)).toBeUndefined();
    expect((await credentials.listTokens(alice))[0]?.revoked).toBe(true);
    expect((await refusal(credentials.revokeToken(alice, info.id, client))).code).toBe('NOT_FOUND');
    expect((await refusal(credentials.revokeToken(alice, "1' or '1'='1", client))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('stop working at their expiry', async () => {
    const { credentials, createUser, clock } = fixture();
    const alice = await createUser('alice');
    const { token } = await credentials.createToken(
      alice,
      { name: 'short', scopes: ['registry:pull'], expiresAt: new Date(clock.now + day) },
      client,
    );
    clock.now += day - 1;
    expect(await credentials.authenticateToken(token)).toBeDefined();
    clock.now += 1;
    expect(await credentials.authenticateToken(token)).toBeUndefined();
  });

  it('stop working when their user is disabled or deleted', async () => {
    const { credentials, createUser, identity } = fixture();
    const alice = await createUser('alice');
    const { token } = await credentials.createToken(
      alice,
      { name: 'ci', scopes: ['registry:pull'] },
      client,
    );
    await identity.updateUser('alice', { disabled: true }, undefined, client);
    expect(await credentials.authenticateToken(token)).toBeUndefined();
    await identity.updateUser('alice', { disabled: false }, undefined, client);
    expect(await credentials.authenticateToken(token)).toBeDefined();
    await identity.deleteUser('alice', undefined, client);
    expect(await credentials.authenticateToken(token)).toBeUndefined();
  });

  it('prove nothing when unknown, malformed or altered', async () => {
    const { credentials, createUser } = fixture();
    const alice = await createUser('alice');
    const { token } = await credentials.createToken(
      alice,
      { name: 'ci', scopes: ['registry:pull'] },
      client,
    );
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    for (const text of [
      '',
      token.slice(0, -1),
      `${token.slice(0, -1)}${last}`,
      `${token}A`,
      token.replace('moat_pat_', 'moat_pax_'),
      token.toUpperCase(),
      `moat_pat_${"'; drop table users; --".padEnd(43, 'x')}`,
      'x'.repeat(100_000),
    ]) {
      expect(await credentials.authenticateToken(text)).toBeUndefined();
    }
  });

  it.each([
    ['an SQL quote', "ci'; drop table users; --"],
    ['a path', '../../etc/passwd'],
    ['a Cyrillic look-alike', 'сi'],
    ['a NUL', 'ci\0'],
    ['a space', 'my token'],
    ['nothing', ''],
    ['65 characters', 'a'.repeat(65)],
  ])('refuse a name with %s', async (_what, name) => {
    const { credentials, createUser } = fixture();
    const alice = await createUser('alice');
    const error = await refusal(
      credentials.createToken(alice, { name, scopes: ['api:read'] }, client),
    );
    expect(error.code).toBe('INVALID_REQUEST');
    expect(await credentials.listTokens(alice)).toEqual([]);
  });

  it('refuse no scope, an unknown scope, an expiry in the past or beyond five years', async () => {
    const { credentials, createUser, clock } = fixture();
    const alice = await createUser('alice');
    const attempts: { scopes: TokenScope[]; expiresAt?: Date }[] = [
      { scopes: [] },
      { scopes: ['registry:admin' as TokenScope] },
      { scopes: ['api:read'], expiresAt: new Date(clock.now) },
      { scopes: ['api:read'], expiresAt: new Date(clock.now + 6 * 366 * day) },
      { scopes: ['api:read'], expiresAt: new Date(Number.NaN) },
    ];
    for (const attempt of attempts) {
      const error = await refusal(
        credentials.createToken(alice, { name: 'x', ...attempt }, client),
      );
      expect(error.code).toBe('INVALID_REQUEST');
    }
  });

  it('are limited to 100 unrevoked ones per user', async () => {
    const { credentials, createUser } = fixture();
    const alice = await createUser('alice');
    let last = '';
    for (let i = 0; i < 100; i++) {
      last = (await credentials.createToken(alice, { name: `t${i}`, scopes: ['api:read'] }, client))
        .info.id;
    }
    const error = await refusal(
      credentials.createToken(alice, { name: 'one-more', scopes: ['api:read'] }, client),
    );
    expect(error.code).toBe('CONFLICT');
    await credentials.revokeToken(alice, last, client);
    await credentials.createToken(alice, { name: 'one-more', scopes: ['api:read'] }, client);
  });

  it('are audited when created and revoked, never with the token', async () => {
    const { credentials, createUser, events } = fixture();
    const alice = await createUser('alice');
    const { token, info } = await credentials.createToken(
      alice,
      { name: 'ci', scopes: ['registry:pull'] },
      client,
    );
    await credentials.revokeToken(alice, info.id, client);
    const entries = (await events()).filter((entry) => entry.action.startsWith('token.'));
    expect(entries).toMatchObject([
      {
        action: 'token.create',
        actor: 'alice',
        actorKind: 'user',
        clientIp: client.ip,
        target: 'user:alice',
        outcome: 'success',
        details: { tokenId: info.id, name: 'ci', scopes: 'registry:pull' },
      },
      { action: 'token.revoke', target: 'user:alice', details: { tokenId: info.id } },
    ]);
    expect(JSON.stringify(entries)).not.toContain(token);
  });
});
