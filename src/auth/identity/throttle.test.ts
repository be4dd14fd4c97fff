import { describe, expect, it } from 'vitest';

import { lockoutMs } from './throttle.js';
import { engines, useIdentityFixture } from './test-fixture.js';

const client = { ip: '192.0.2.1' };
const password = 'correct-horse-battery';
const wrong = 'wrong-password-x';

describe('lockoutMs', () => {
  it('lets the first failures pass, then doubles from 30 s up to the longest lockout', () => {
    const max = 15 * 60_000;
    const series = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1000].map((f) => lockoutMs(f, 5, max));
    expect(series).toEqual([0, 0, 0, 0, 30_000, 60_000, 120_000, 240_000, 480_000, max, max, max]);
    expect(lockoutMs(1, 1, 10_000)).toBe(10_000);
  });
});

describe.each(engines)('login throttling (%s)', (engine) => {
  const fixture = useIdentityFixture(engine);

  async function failures(n: number, username = 'alice', ip = client.ip) {
    const { identity } = fixture();
    for (let i = 0; i < n; i++) {
      await expect(identity.login({ username, password: wrong }, { ip })).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      });
    }
  }

  it('locks a user out after the threshold, even with the right password, until the lockout ends', async () => {
    const { identity, clock, auditEntries } = fixture();
    await identity.createUser({ username: 'alice', password }, undefined, client);
    await failures(5);
    await expect(identity.login({ username: 'alice', password }, client)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: 30,
    });
    // From another address too: the lock is on the user.
    await expect(
      identity.login({ username: 'alice', password }, { ip: '203.0.113.9' }),
    ).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    clock.now += 30_000;
    await expect(identity.login({ username: 'alice', password }, client)).resolves.toBeDefined();
    const failed = (await auditEntries()).filter((e) => e.outcome === 'failure');
    expect(failed.map((e) => e.details?.lockedForSeconds ?? 0)).toEqual([0, 0, 0, 0, 30]);
  });

  it('doubles the lockout with each further failure, up to lockoutDuration', async () => {
    const { identity, clock } = fixture();
    await identity.createUser({ username: 'alice', password }, undefined, client);
    await failures(5);
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const error = await identity
        .login({ username: 'alice', password }, client)
        .catch((e: { retryAfterSeconds?: number }) => e);
      waits.push((error as { retryAfterSeconds: number }).retryAfterSeconds);
      clock.now += waits.at(-1)! * 1000;
      await failures(1);
    }
    expect(waits).toEqual([30, 60, 120, 240, 480, 900, 900]);
  });

  it('counts an unknown user like a known one, so a lockout tells nothing about who exists', async () => {
    const { identity } = fixture();
    await failures(5, 'nobody');
    await expect(identity.login({ username: 'nobody', password }, client)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
  });

  it('locks an address out after four times the threshold, across usernames', async () => {
    const { identity } = fixture();
    await identity.createUser({ username: 'zoe', password }, undefined, client);
    for (let i = 0; i < 20; i++) await failures(1, `user${i}`);
    await expect(identity.login({ username: 'zoe', password }, client)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    await expect(
      identity.login({ username: 'zoe', password }, { ip: '203.0.113.9' }),
    ).resolves.toBeDefined();
  });

  it('forgets a user’s failures at a successful login', async () => {
    const { identity } = fixture();
    await identity.createUser({ username: 'alice', password }, undefined, client);
    await failures(4);
    await identity.login({ username: 'alice', password }, client);
    await failures(4);
    await expect(identity.login({ username: 'alice', password }, client)).resolves.toBeDefined();
  });

  it('forgets old failures after twice the longest lockout', async () => {
    const { identity, clock } = fixture();
    await identity.createUser({ username: 'alice', password }, undefined, client);
    await failures(4);
    clock.now += 2 * 15 * 60_000 + 1;
    await failures(4);
    await expect(identity.login({ username: 'alice', password }, client)).resolves.toBeDefined();
  });

  it('sweeps counts old enough to be forgotten at the next successful login', async () => {
    const { identity, clock, database } = fixture();
    await identity.createUser({ username: 'alice', password }, undefined, client);
    await failures(2, 'nobody', '203.0.113.1');
    clock.now += 2 * 15 * 60_000 + 1;
    await failures(1, 'somebody', '203.0.113.2');
    await identity.login({ username: 'alice', password }, { ip: '203.0.113.3' });
    const keys = await database.read((db) =>
      db.selectFrom('login_throttle').select('key').orderBy('key').execute(),
    );
    expect(keys.map((k) => k.key)).toEqual(['ip:203.0.113.2', 'user:somebody']);
  });

  it('is shared by every process on the database', async () => {
    const { identity, anotherProcess } = fixture();
    const other = await anotherProcess();
    await identity.createUser({ username: 'alice', password }, undefined, client);
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        (i % 2 ? identity : other)
          .login({ username: 'alice', password: wrong }, client)
          .catch(() => undefined),
      ),
    );
    await expect(other.login({ username: 'alice', password }, client)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
  });
});
