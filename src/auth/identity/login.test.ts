import { describe, expect, it } from 'vitest';

import { engines, useIdentityFixture } from './test-fixture.js';

const client = { ip: '192.0.2.1' };
const password = 'correct-horse-battery';

describe.each(engines)('login (%s)', (engine) => {
  const fixture = useIdentityFixture(engine);

  it('opens a session with a cookie token and a CSRF token, and audits the login', async () => {
    const { identity, auditEntries } = fixture();
    await identity.createUser({ username: 'alice', password }, undefined, client);
    const session = await identity.login({ username: 'alice', password }, client);
    expect(session.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrfToken).not.toBe(session.token);
    expect(session).toMatchObject({ user: { username: 'alice' }, mustEnrolTwoFactor: false });
    const active = await identity.authenticateSession(session.token);
    expect(active).toMatchObject({
      principal: { kind: 'user', name: 'alice', via: 'session', mustEnrolTwoFactor: false },
      csrfToken: session.csrfToken,
    });
    expect((await auditEntries()).at(-1)).toMatchObject({
      actor: 'alice',
      action: 'auth.login',
      outcome: 'success',
    });
  });

  it('takes the username in any ASCII case', async () => {
    const { identity } = fixture();
    await identity.createUser({ username: 'alice', password }, undefined, client);
    await expect(identity.login({ username: 'Alice', password }, client)).resolves.toBeDefined();
  });

  it('gives an unknown user and a wrong password the same answer', async () => {
    const { identity, auditEntries } = fixture();
    await identity.createUser({ username: 'alice', password }, undefined, client);
    const wrong = await identity
      .login({ username: 'alice', password: 'wrong-password-here' }, client)
      .catch((e: unknown) => e);
    const unknown = await identity
      .login({ username: 'nobody', password }, client)
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(unknown).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((wrong as Error).message).toBe((unknown as Error).message);
    const audit = await auditEntries();
    expect(audit.filter((e) => e.outcome === 'failure')).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toContain(password);
  });

  it('refuses a disabled user with the same answer', async () => {
    const { identity } = fixture();
    await identity.createUser({ username: 'alice', password }, undefined, client);
    await identity.updateUser('alice', { disabled: true }, undefined, client);
    await expect(identity.login({ username: 'alice', password }, client)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'invalid username or password',
    });
  });

  it('refuses a robot: robots are not users and cannot open a session', async () => {
    const { identity } = fixture();
    await expect(
      identity.login({ username: 'robot$team+ci', password }, client),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses oversized and injection-shaped input with the same answer', async () => {
    const { identity } = fixture();
    await identity.createUser({ username: 'alice', password }, undefined, client);
    for (const attempt of [
      { username: 'alice', password: 'x'.repeat(1025) },
      { username: 'a'.repeat(100_000), password },
      { username: "alice' or '1'='1", password },
      { username: 'alice\u0000', password },
    ]) {
      await expect(
        identity.login(attempt, { ip: `198.51.100.${attempt.username.length % 200}` }),
      ).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      });
    }
  });

  it('gives the admin a session that must enrol a second factor first', async () => {
    const { identity } = fixture();
    await identity.createUser(
      { username: 'admin', password, systemAdmin: true },
      undefined,
      client,
    );
    const session = await identity.login({ username: 'admin', password }, client);
    expect(session.mustEnrolTwoFactor).toBe(true);
    const active = await identity.authenticateSession(session.token);
    expect(active?.principal).toMatchObject({ systemAdmin: true, mustEnrolTwoFactor: true });
  });

  it('makes everyone enrol under requireTwoFactor: all', async () => {
    const { reconfigure } = fixture();
    const identity = reconfigure({ requireTwoFactor: 'all' });
    const alice = await identity.createUser({ username: 'alice', password }, undefined, client);
    expect(alice.mustEnrolTwoFactor).toBe(true);
  });

  it('rehashes an issue-10 scrypt hash with argon2id at the next login', async () => {
    const { identity, database } = fixture();
    const alice = await identity.createUser({ username: 'alice', password }, undefined, client);
    const { scryptSync } = await import('node:crypto');
    const salt = Buffer.alloc(16, 7);
    const legacy = [
      'scrypt',
      1024,
      8,
      1,
      salt.toString('base64url'),
      scryptSync(password, salt, 32, { N: 1024 }).toString('base64url'),
    ].join('$');
    await database.writeOne((db) =>
      db.updateTable('users').set({ password_hash: legacy }).where('id', '=', alice.id).execute(),
    );
    await identity.login({ username: 'alice', password }, client);
    const row = await database.read((db) =>
      db
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', alice.id)
        .executeTakeFirstOrThrow(),
    );
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });
});

describe.each(engines)('the registry password grant (%s)', (engine) => {
  const fixture = useIdentityFixture(engine);

  it('gives the user for the right password, and undefined otherwise', async () => {
    const { identity } = fixture();
    const alice = await identity.createUser({ username: 'alice', password }, undefined, client);
    expect(await identity.checkRegistryPassword('alice', password, client)).toEqual({
      kind: 'user',
      name: 'alice',
      id: alice.id,
      systemAdmin: false,
      via: 'password',
      mustEnrolTwoFactor: false,
    });
    expect(
      await identity.checkRegistryPassword('alice', 'wrong-password-x', client),
    ).toBeUndefined();
    expect(await identity.checkRegistryPassword('nobody', password, client)).toBeUndefined();
  });

  it('refuses the password of a user who must enrol or has enrolled a second factor', async () => {
    const { identity } = fixture();
    await identity.createUser(
      { username: 'admin', password, systemAdmin: true },
      undefined,
      client,
    );
    expect(await identity.checkRegistryPassword('admin', password, client)).toBeUndefined();
  });

  it('is throttled like logins (RATE_LIMITED with Retry-After seconds)', async () => {
    const { identity } = fixture();
    await identity.createUser({ username: 'alice', password }, undefined, client);
    for (let i = 0; i < 5; i++) {
      expect(
        await identity.checkRegistryPassword('alice', 'wrong-password-x', client),
      ).toBeUndefined();
    }
    await expect(identity.checkRegistryPassword('alice', password, client)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: 30,
    });
  });
});
