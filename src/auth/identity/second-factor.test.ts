import { Secret } from 'otpauth';
import { describe, expect, it } from 'vitest';

import type { UserPrincipal } from '../services.js';
import { engines, useIdentityFixture } from './test-fixture.js';
import { totpCode, totpStep } from './totp.js';

const client = { ip: '192.0.2.1' };
const password = 'correct-horse-battery';

describe.each(engines)('TOTP and recovery codes (%s)', (engine) => {
  const fixture = useIdentityFixture(engine);

  /** An admin who must enrol, and the code for a step relative to now. */
  async function admin() {
    const { identity, clock } = fixture();
    const info = await identity.createUser(
      { username: 'admin', password, systemAdmin: true },
      undefined,
      client,
    );
    const principal: UserPrincipal = {
      kind: 'user',
      name: 'admin',
      id: info.id,
      systemAdmin: true,
    };
    return {
      principal,
      codeAt: (seed: Buffer, delta = 0) => totpCode(seed, totpStep(clock.now) + delta),
    };
  }

  async function enrolled() {
    const { identity } = fixture();
    const { principal, codeAt } = await admin();
    const { secret } = await identity.beginTotp(principal, client);
    const seed = Buffer.from(Secret.fromBase32(secret).bytes);
    const { recoveryCodes } = await identity.confirmTotp(principal, codeAt(seed), client);
    return { principal, seed, codeAt, recoveryCodes };
  }

  it('enrols: secret, otpauth URI and QR SVG; active only after a first valid code', async () => {
    const { identity, clock, database } = fixture();
    const { principal, codeAt } = await admin();
    const enrolment = await identity.beginTotp(principal, client);
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.otpauthUri).toContain(`secret=${enrolment.secret}`);
    expect(enrolment.qrSvg).toMatch(/^<svg/);
    expect(await identity.getUser('admin')).toMatchObject({
      totpEnabled: false,
      mustEnrolTwoFactor: true,
    });
    const seed = Buffer.from(Secret.fromBase32(enrolment.secret).bytes);
    await expect(identity.confirmTotp(principal, codeAt(seed, 3), client)).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
    clock.now += 60_000;
    const { recoveryCodes } = await identity.confirmTotp(principal, codeAt(seed), client);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[0-9a-z]{4}(-[0-9a-z]{4}){3}$/);
    expect(await identity.getUser('admin')).toMatchObject({
      totpEnabled: true,
      mustEnrolTwoFactor: false,
    });
    // Nothing in the database shows the seed or a recovery code.
    const dump = JSON.stringify(
      await database.read(async (db) => [
        await db.selectFrom('users').selectAll().execute(),
        await db.selectFrom('secrets').selectAll().execute(),
        await db.selectFrom('recovery_codes').selectAll().execute(),
      ]),
    );
    expect(dump).not.toContain(enrolment.secret);
    expect(dump).not.toContain(seed.toString('hex'));
    expect(dump).not.toContain(seed.toString('base64'));
    for (const code of recoveryCodes) expect(dump).not.toContain(code.replace(/-/g, ''));
  });

  it('restarting an enrolment replaces the pending secret: the old one no longer confirms', async () => {
    const { identity } = fixture();
    const { principal, codeAt } = await admin();
    const first = await identity.beginTotp(principal, client);
    await identity.beginTotp(principal, client);
    const oldSeed = Buffer.from(Secret.fromBase32(first.secret).bytes);
    await expect(identity.confirmTotp(principal, codeAt(oldSeed), client)).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
  });

  it('refuses to confirm without an enrolment in progress', async () => {
    const { identity } = fixture();
    const { principal } = await admin();
    await expect(identity.confirmTotp(principal, '123456', client)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('refuses to begin an enrolment while TOTP is on', async () => {
    const { identity } = fixture();
    const { principal } = await enrolled();
    await expect(identity.beginTotp(principal, client)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('needs the code at login: none, a wrong one, then the right one', async () => {
    const { identity, clock } = fixture();
    const { seed, codeAt } = await enrolled();
    clock.now += 90_000;
    await expect(identity.login({ username: 'admin', password }, client)).rejects.toMatchObject({
      code: 'TWO_FACTOR_REQUIRED',
    });
    const wrong = codeAt(seed) === '000000' ? '111111' : '000000';
    await expect(
      identity.login({ username: 'admin', password, otp: wrong }, client),
    ).rejects.toMatchObject({ code: 'TWO_FACTOR_REQUIRED' });
    const session = await identity.login(
      { username: 'admin', password, otp: codeAt(seed) },
      client,
    );
    expect(session.mustEnrolTwoFactor).toBe(false);
  });

  it('accepts a code of the previous or next step, never one further away', async () => {
    const { identity, clock } = fixture();
    const { seed, codeAt } = await enrolled();
    clock.now += 10 * 30_000;
    for (const delta of [-2, 2]) {
      await expect(
        identity.login({ username: 'admin', password, otp: codeAt(seed, delta) }, client),
      ).rejects.toMatchObject({ code: 'TWO_FACTOR_REQUIRED' });
    }
    await identity.login({ username: 'admin', password, otp: codeAt(seed, -1) }, client);
    await identity.login({ username: 'admin', password, otp: codeAt(seed, 1) }, client);
  });

  it('never accepts a time step twice, also across the ±1 window', async () => {
    const { identity, clock } = fixture();
    const { seed, codeAt } = await enrolled();
    clock.now += 10 * 30_000;
    const code = codeAt(seed);
    await identity.login({ username: 'admin', password, otp: code }, client);
    await expect(
      identity.login({ username: 'admin', password, otp: code }, client),
    ).rejects.toMatchObject({ code: 'TWO_FACTOR_REQUIRED' });
    // The previous step's code is still inside the window, but older than the one used.
    await expect(
      identity.login({ username: 'admin', password, otp: codeAt(seed, -1) }, client),
    ).rejects.toMatchObject({ code: 'TWO_FACTOR_REQUIRED' });
    // The code used at enrolment cannot be replayed either.
    clock.now += 30_000;
    await expect(
      identity.login({ username: 'admin', password, otp: code }, client),
    ).rejects.toMatchObject({ code: 'TWO_FACTOR_REQUIRED' });
  });

  it('lets only one of two concurrent logins with the same code through', async () => {
    const { identity, clock, anotherProcess } = fixture();
    const { seed, codeAt } = await enrolled();
    clock.now += 10 * 30_000;
    const other = await anotherProcess();
    const otp = codeAt(seed);
    const results = await Promise.allSettled([
      identity.login({ username: 'admin', password, otp }, client),
      other.login({ username: 'admin', password, otp }, client),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('accepts each recovery code once, in any case and with or without dashes', async () => {
    const { identity } = fixture();
    const { recoveryCodes } = await enrolled();
    const [first, second] = recoveryCodes as [string, string];
    await identity.login({ username: 'admin', password, otp: first }, client);
    await expect(
      identity.login({ username: 'admin', password, otp: first }, client),
    ).rejects.toMatchObject({ code: 'TWO_FACTOR_REQUIRED' });
    await identity.login(
      { username: 'admin', password, otp: second.toUpperCase().replace(/-/g, '') },
      client,
    );
    for (const otp of ['not-a-code', 'x'.repeat(10_000), "' or 1=1 --"]) {
      await expect(
        identity.login({ username: 'admin', password, otp }, { ip: '198.51.100.7' }),
      ).rejects.toMatchObject({ code: 'TWO_FACTOR_REQUIRED' });
    }
  });

  it('throttles wrong codes like wrong passwords', async () => {
    const { identity } = fixture();
    const { seed, codeAt } = await enrolled();
    const wrong = codeAt(seed) === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      await identity
        .login({ username: 'admin', password, otp: wrong }, client)
        .catch(() => undefined);
    }
    await expect(
      identity.login({ username: 'admin', password, otp: codeAt(seed, 1) }, client),
    ).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('refuses the registry password of an enrolled user', async () => {
    const { identity } = fixture();
    await enrolled();
    expect(await identity.checkRegistryPassword('admin', password, client)).toBeUndefined();
  });

  it('turns TOTP off only with the password and a current code', async () => {
    const { identity, clock, auditEntries } = fixture();
    const { principal, seed, codeAt } = await enrolled();
    clock.now += 90_000;
    await expect(
      identity.disableTotp(principal, { password: 'wrong-password-x', code: codeAt(seed) }, client),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(
      identity.disableTotp(principal, { password, code: codeAt(seed, 5) }, client),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await identity.disableTotp(principal, { password, code: codeAt(seed) }, client);
    expect(await identity.getUser('admin')).toMatchObject({
      totpEnabled: false,
      mustEnrolTwoFactor: true,
    });
    const actions = (await auditEntries()).map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'auth.totp.enrol:success',
        'auth.totp.disable:failure',
        'auth.totp.disable:success',
      ]),
    );
    await expect(
      identity.disableTotp(principal, { password, code: codeAt(seed, 1) }, client),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
