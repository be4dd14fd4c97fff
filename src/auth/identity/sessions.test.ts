import { describe, expect, it } from 'vitest';

import type { Principal } from '../model.js';
import { engines, useIdentityFixture } from './test-fixture.js';

const client = { ip: '192.0.2.1' };
const password = 'correct-horse-battery';
const minute = 60_000;

describe.each(engines)('sessions (%s)', (engine) => {
  const fixture = useIdentityFixture(engine, {
    sessionIdleTimeoutMs: 30 * minute,
    sessionMaxAgeMs: 120 * minute,
  });

  async function aliceSession() {
    const { identity } = fixture();
    await identity.createUser({ username: 'alice', password }, undefined, client);
    return identity.login({ username: 'alice', password }, client);
  }

  it('stores only the token’s hash and gives each session its own CSRF token', async () => {
    const { identity, database } = fixture();
    const first = await aliceSession();
    const second = await identity.login({ username: 'alice', password }, client);
    expect(second.csrfToken).not.toBe(first.csrfToken);
    const rows = await database.read((db) => db.selectFrom('sessions').selectAll().execute());
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(first.token);
    const active = await identity.authenticateSession(first.token);
    expect(rows.map((r) => r.id_hash)).toContain(active?.idHash);
  });

  it('ends a session idle for longer than the idle timeout', async () => {
    const { identity, clock } = fixture();
    const session = await aliceSession();
    clock.now += 29 * minute;
    expect(await identity.authenticateSession(session.token)).toBeDefined();
    // The request above moved the idle clock.
    clock.now += 29 * minute;
    expect(await identity.authenticateSession(session.token)).toBeDefined();
    clock.now += 30 * minute;
    expect(await identity.authenticateSession(session.token)).toBeUndefined();
  });

  it('ends a session at its absolute expiry however busy it is', async () => {
    const { identity, clock } = fixture();
    const session = await aliceSession();
    expect(session.expiresAt.getTime()).toBe(clock.now + 120 * minute);
    for (let t = 20; t < 120; t += 20) {
      clock.now += 20 * minute;
      expect(await identity.authenticateSession(session.token)).toBeDefined();
    }
    clock.now += 20 * minute;
    expect(await identity.authenticateSession(session.token)).toBeUndefined();
  });

  it('ends a session at logout', async () => {
    const { identity } = fixture();
    const session = await aliceSession();
    const active = await identity.authenticateSession(session.token);
    await identity.logout(active!.idHash);
    expect(await identity.authenticateSession(session.token)).toBeUndefined();
  });

  it('ends every session of a user when an administrator revokes them, and audits it', async () => {
    const { identity, auditEntries } = fixture();
    const first = await aliceSession();
    const second = await identity.login({ username: 'alice', password }, client);
    const admin: Principal = { kind: 'user', name: 'root', systemAdmin: true };
    expect(await identity.revokeSessions('alice', admin, client)).toBe(2);
    expect(await identity.authenticateSession(first.token)).toBeUndefined();
    expect(await identity.authenticateSession(second.token)).toBeUndefined();
    expect((await auditEntries()).at(-1)).toMatchObject({
      actor: 'root',
      action: 'auth.session.revoke',
      target: 'user:alice',
      details: { sessions: 2 },
    });
  });

  it('refuses to let one user revoke another’s sessions', async () => {
    const { identity } = fixture();
    await aliceSession();
    const bob: Principal = { kind: 'user', name: 'bob' };
    await expect(identity.revokeSessions('alice', bob, client)).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
  });

  it('ends the sessions of a user who is disabled or whose password changes', async () => {
    const { identity } = fixture();
    const session = await aliceSession();
    await identity.updateUser('alice', { password: 'another-long-passphrase' }, undefined, client);
    expect(await identity.authenticateSession(session.token)).toBeUndefined();
    const again = await identity.login(
      { username: 'alice', password: 'another-long-passphrase' },
      client,
    );
    await identity.updateUser('alice', { disabled: true }, undefined, client);
    expect(await identity.authenticateSession(again.token)).toBeUndefined();
  });

  it('answers undefined for tokens that are malformed, unknown or huge', async () => {
    const { identity } = fixture();
    await aliceSession();
    for (const token of ['', 'x', 'A'.repeat(43), "' or 1=1 --", 'A'.repeat(100_000)]) {
      expect(await identity.authenticateSession(token)).toBeUndefined();
    }
  });

  it('shows a session to every process on the database', async () => {
    const { anotherProcess } = fixture();
    const session = await aliceSession();
    const other = await anotherProcess();
    expect(await other.authenticateSession(session.token)).toMatchObject({
      principal: { name: 'alice' },
    });
  });
});
