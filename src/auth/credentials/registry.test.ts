import { describe, expect, it } from 'vitest';

import { AuthError } from '../errors.js';
import { client, engines, passwordOf, useCredentialsFixture } from './test-fixture.js';

describe.each(engines)('registry credentials on %s', (engine) => {
  const fixture = useCredentialsFixture(engine);

  it('take a personal access token as the password of its own user only', async () => {
    const { credentials, createUser } = fixture();
    const alice = await createUser('alice');
    await createUser('bob');
    const { token } = await credentials.createToken(
      alice,
      { name: 'ci', scopes: ['registry:pull'] },
      client,
    );
    expect(await credentials.authenticateRegistry('alice', token, client)).toMatchObject({
      kind: 'user',
      name: 'alice',
      via: 'pat',
      tokenScopes: ['registry:pull'],
    });
    expect(await credentials.authenticateRegistry('bob', token, client)).toBeUndefined();
    expect(await credentials.authenticateRegistry('', token, client)).toBeUndefined();
  });

  it('take the password of a user who needs no second factor', async () => {
    const { credentials, createUser } = fixture();
    await createUser('alice');
    expect(
      await credentials.authenticateRegistry('alice', passwordOf('alice'), client),
    ).toMatchObject({ kind: 'user', name: 'alice', via: 'password' });
    expect(await credentials.authenticateRegistry('alice', 'wrong password', client)).toBe(
      undefined,
    );
    expect(await credentials.authenticateRegistry('nobody', passwordOf('alice'), client)).toBe(
      undefined,
    );
  });

  it("refuse an administrator's password (2FA required) but take the administrator's token", async () => {
    const { credentials, createUser } = fixture();
    const root = await createUser('root', { systemAdmin: true });
    expect(await credentials.authenticateRegistry('root', passwordOf('root'), client)).toBe(
      undefined,
    );
    const { token } = await credentials.createToken(
      root,
      { name: 'ci', scopes: ['registry:push', 'registry:pull'] },
      client,
    );
    expect(await credentials.authenticateRegistry('root', token, client)).toMatchObject({
      kind: 'user',
      name: 'root',
      systemAdmin: true,
      via: 'pat',
    });
  });

  it('are throttled after repeated wrong passwords (RATE_LIMITED with a wait)', async () => {
    const { credentials, createUser } = fixture();
    await createUser('alice');
    let error: unknown;
    for (let attempt = 0; attempt < 10 && error === undefined; attempt++) {
      await credentials
        .authenticateRegistry('alice', `guess ${attempt}`, client)
        .catch((e: unknown) => {
          error = e;
        });
    }
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('RATE_LIMITED');
    expect((error as AuthError).retryAfterSeconds).toBeGreaterThan(0);
  });

  it('refuse over-long user names and passwords without looking them up', async () => {
    const { credentials, createUser } = fixture();
    await createUser('alice');
    expect(await credentials.authenticateRegistry('a'.repeat(257), 'x', client)).toBeUndefined();
    expect(
      await credentials.authenticateRegistry('alice', 'x'.repeat(1025), client),
    ).toBeUndefined();
    expect(
      await credentials.authenticateRegistry('robot$team+ci', 'x'.repeat(1025), client),
    ).toBeUndefined();
  });

  it('resolve a registry token subject to the principal as it is now', async () => {
    const { credentials, createUser, identity } = fixture();
    await createUser('root', { systemAdmin: true });
    const alice = await createUser('alice');
    expect(await credentials.resolveSubject('')).toEqual({ kind: 'anonymous', name: '' });
    expect(await credentials.resolveSubject('alice')).toEqual({
      kind: 'user',
      name: 'alice',
      id: alice.id,
      systemAdmin: false,
      via: 'token',
    });
    await identity.updateUser('alice', { systemAdmin: true }, undefined, client);
    expect(await credentials.resolveSubject('alice')).toMatchObject({ systemAdmin: true });
    await identity.updateUser('alice', { disabled: true }, undefined, client);
    expect(await credentials.resolveSubject('alice')).toBeUndefined();
    for (const subject of ['nobody', 'robot$nobody', 'robot$', "alice' or 1=1", 'x'.repeat(300)]) {
      expect(await credentials.resolveSubject(subject)).toBeUndefined();
    }
  });
});
