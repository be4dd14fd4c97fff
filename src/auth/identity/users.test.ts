import { describe, expect, it } from 'vitest';

import type { Principal } from '../model.js';
import { engines, useIdentityFixture } from './test-fixture.js';

const client = { ip: '192.0.2.1' };
const password = 'correct-horse-battery';
const admin: Principal = { kind: 'user', name: 'root', id: 'x', systemAdmin: true };

describe.each(engines)('users (%s)', (engine) => {
  const fixture = useIdentityFixture(engine);

  it('creates a user and finds it by name and by id, never showing the hash', async () => {
    const { identity } = fixture();
    const created = await identity.createUser(
      { username: 'alice', password, email: 'alice@example.com' },
      undefined,
      client,
    );
    expect(created).toMatchObject({
      username: 'alice',
      email: 'alice@example.com',
      systemAdmin: false,
      disabled: false,
      totpEnabled: false,
      mustEnrolTwoFactor: false,
    });
    expect(await identity.getUser('alice')).toEqual(created);
    expect(await identity.getUserById(created.id)).toEqual(created);
    expect(JSON.stringify(created)).not.toMatch(/argon2|password/);
    expect(await identity.getUser('bob')).toBeUndefined();
    expect(await identity.getUserById('no-such-id')).toBeUndefined();
  });

  it('records user.create in the audit log with the acting administrator', async () => {
    const { identity, auditEntries } = fixture();
    await identity.createUser({ username: 'alice', password }, admin, client);
    expect(await auditEntries()).toContainEqual(
      expect.objectContaining({
        actor: 'root',
        actorKind: 'user',
        action: 'user.create',
        target: 'user:alice',
        outcome: 'success',
        clientIp: '192.0.2.1',
      }),
    );
  });

  it('lets the first of two concurrent creations of one name win and the other get CONFLICT', async () => {
    const { identity } = fixture();
    const results = await Promise.allSettled([
      identity.createUser({ username: 'alice', password }, undefined, client),
      identity.createUser({ username: 'alice', password: `${password}-2` }, undefined, client),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected');
    expect(failed?.reason).toMatchObject({ code: 'CONFLICT' });
  });

  it.each([
    ['upper case', 'Alice'],
    ['an SQL quote', "alice'--"],
    ['SQL', 'a; drop table users'],
    ['path traversal', '../etc/passwd'],
    ['a slash', 'a/b'],
    ['a Cyrillic look-alike', 'аlice'],
    ['a NUL', 'alice\u0000'],
    ['a robot name', 'robot$team+ci'],
    ['an empty name', ''],
    ['65 characters', 'a'.repeat(65)],
    ['a leading dot', '.alice'],
    ['a reserved name', 'system'],
  ])('refuses a username with %s', async (_what, username) => {
    const { identity } = fixture();
    await expect(
      identity.createUser({ username, password }, undefined, client),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(await identity.getUser(username)).toBeUndefined();
  });

  it('refuses an email with spaces, controls or more than 254 characters', async () => {
    const { identity } = fixture();
    for (const email of ['a b@c', 'a@b\u0000', `${'a'.repeat(250)}@b.co`, 'nobody']) {
      await expect(
        identity.createUser({ username: 'alice', password, email }, undefined, client),
      ).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    }
  });

  it('refuses weak passwords with WEAK_PASSWORD, never echoing them', async () => {
    const { identity } = fixture();
    for (const weak of [
      'short-pw',
      'qwerty123456',
      'Password123!',
      'aaaaaaaaaaaaaaaa',
      'x'.repeat(1025),
    ]) {
      const error = await identity
        .createUser({ username: 'alice', password: weak }, undefined, client)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'WEAK_PASSWORD' });
      expect((error as Error).message).not.toContain(weak);
    }
    await expect(
      identity.createUser(
        { username: 'alice.wonderland', password: 'Alice-Wonderland' },
        undefined,
        client,
      ),
    ).rejects.toMatchObject({ code: 'WEAK_PASSWORD', message: /username/ });
  });

  it('refuses creation by anyone but a system administrator (ACCESS_DENIED, audited)', async () => {
    const { identity, auditEntries } = fixture();
    const user: Principal = { kind: 'user', name: 'mallory', id: 'm', systemAdmin: false };
    await expect(
      identity.createUser({ username: 'alice', password }, user, client),
    ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    const robot: Principal = { kind: 'robot', name: 'robot$ci', permissions: [] };
    await expect(
      identity.createUser({ username: 'alice', password }, robot, client),
    ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect((await auditEntries()).at(-1)).toMatchObject({
      action: 'user.create',
      outcome: 'denied',
    });
  });

  it('lists users in name order, a page at a time, and bounds the page size', async () => {
    const { identity } = fixture();
    for (const name of ['carol', 'alice', 'bob']) {
      await identity.createUser({ username: name, password }, undefined, client);
    }
    const first = await identity.listUsers({ limit: 2 });
    expect(first.map((u) => u.username)).toEqual(['alice', 'bob']);
    const next = await identity.listUsers({ limit: 2, after: 'bob' });
    expect(next.map((u) => u.username)).toEqual(['carol']);
    for (const limit of [0, -1, 1001, 1.5]) {
      await expect(identity.listUsers({ limit })).rejects.toMatchObject({
        code: 'INVALID_REQUEST',
      });
    }
  });

  it('updates email, password, admin flag and disabled state; a new password must pass the policy', async () => {
    const { identity } = fixture();
    await identity.createUser({ username: 'alice', password, email: 'a@b.c' }, undefined, client);
    const updated = await identity.updateUser(
      'alice',
      { email: null, systemAdmin: true },
      admin,
      client,
    );
    expect(updated.email).toBeUndefined();
    expect(updated).toMatchObject({ systemAdmin: true, mustEnrolTwoFactor: true });
    await expect(
      identity.updateUser('alice', { password: 'qwerty123456' }, admin, client),
    ).rejects.toMatchObject({ code: 'WEAK_PASSWORD' });
    await expect(
      identity.updateUser('nobody', { email: 'x@y.z' }, admin, client),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('lets a user change their own email and password but not their admin flag', async () => {
    const { identity } = fixture();
    const alice = await identity.createUser({ username: 'alice', password }, undefined, client);
    const self: Principal = { kind: 'user', name: 'alice', id: alice.id };
    await identity.updateUser('alice', { email: 'new@example.com' }, self, client);
    await expect(
      identity.updateUser('alice', { systemAdmin: true }, self, client),
    ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(
      identity.updateUser('bob', { email: 'x@y.z' }, self, client),
    ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('makes a user changing their own password prove the current one', async () => {
    const { identity } = fixture();
    const alice = await identity.createUser({ username: 'alice', password }, undefined, client);
    const self: Principal = { kind: 'user', name: 'alice', id: alice.id };
    const next = 'a-new-long-passphrase';
    await expect(
      identity.updateUser('alice', { password: next }, self, client),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(
      identity.updateUser(
        'alice',
        { password: next, currentPassword: 'wrong-password-x' },
        self,
        client,
      ),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await identity.updateUser('alice', { password: next, currentPassword: password }, self, client);
    await expect(
      identity.login({ username: 'alice', password: next }, client),
    ).resolves.toBeDefined();
  });

  it('never leaves the deployment without an enabled system administrator', async () => {
    const { identity } = fixture();
    await identity.createUser(
      { username: 'admin', password, systemAdmin: true },
      undefined,
      client,
    );
    await expect(
      identity.updateUser('admin', { disabled: true }, undefined, client),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(
      identity.updateUser('admin', { systemAdmin: false }, undefined, client),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(identity.deleteUser('admin', undefined, client)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await identity.createUser({ username: 'root', password, systemAdmin: true }, undefined, client);
    await identity.deleteUser('admin', undefined, client);
    expect(await identity.getUser('admin')).toBeUndefined();
  });

  it('keeps one administrator when two are demoted at once from two processes', async () => {
    const { identity, anotherProcess } = fixture();
    const other = await anotherProcess();
    await identity.createUser({ username: 'root', password, systemAdmin: true }, undefined, client);
    await identity.createUser(
      { username: 'admin', password, systemAdmin: true },
      undefined,
      client,
    );
    const results = await Promise.allSettled([
      identity.updateUser('root', { systemAdmin: false }, undefined, client),
      other.updateUser('admin', { systemAdmin: false }, undefined, client),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const admins = (await identity.listUsers({ limit: 10 })).filter((u) => u.systemAdmin);
    expect(admins).toHaveLength(1);
  });

  it('deletes a user with its sessions: the session stops working at once', async () => {
    const { identity } = fixture();
    await identity.createUser({ username: 'root', password, systemAdmin: true }, undefined, client);
    await identity.createUser({ username: 'alice', password }, undefined, client);
    const session = await identity.login({ username: 'alice', password }, client);
    expect(await identity.authenticateSession(session.token)).toBeDefined();
    await identity.deleteUser('alice', admin, client);
    expect(await identity.authenticateSession(session.token)).toBeUndefined();
    await expect(identity.deleteUser('alice', admin, client)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
