import { describe, expect, it } from 'vitest';

import { bootstrapAdmin } from './bootstrap.js';
import { engines, useIdentityFixture } from './test-fixture.js';

const client = { ip: '192.0.2.1' };

describe.each(engines)('bootstrap administrator (%s)', (engine) => {
  const fixture = useIdentityFixture(engine);

  it('creates admin as a system administrator with the given password, logging nothing', async () => {
    const { identity } = fixture();
    const messages: string[] = [];
    const result = await bootstrapAdmin(identity, 'admin-Secret-2026', (m) => messages.push(m));
    expect(result).toEqual({ created: true });
    expect(messages).toEqual([]);
    expect(await identity.getUser('admin')).toMatchObject({
      systemAdmin: true,
      mustEnrolTwoFactor: true,
    });
    await expect(
      identity.login({ username: 'admin', password: 'admin-Secret-2026' }, client),
    ).resolves.toMatchObject({ mustEnrolTwoFactor: true });
  });

  it('generates a password when none is given and shows it once', async () => {
    const { identity } = fixture();
    const messages: string[] = [];
    const result = await bootstrapAdmin(identity, undefined, (m) => messages.push(m));
    expect(result.generatedPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(messages).toEqual([
      `created user admin with password ${result.generatedPassword} (shown once)`,
    ]);
    expect(await bootstrapAdmin(identity, undefined, (m) => messages.push(m))).toEqual({
      created: false,
    });
    expect(messages).toHaveLength(1);
  });

  it('keeps the first password: a later MOAT_ADMIN_PASSWORD changes nothing', async () => {
    const { identity } = fixture();
    await bootstrapAdmin(identity, 'admin-Secret-2026', () => undefined);
    await bootstrapAdmin(identity, 'another-Secret-2027', () => undefined);
    await expect(
      identity.login({ username: 'admin', password: 'admin-Secret-2026' }, client),
    ).resolves.toBeDefined();
  });

  it('lets exactly one of several processes starting at once create admin', async () => {
    const { identity, anotherProcess } = fixture();
    const others = [await anotherProcess(), await anotherProcess()];
    const results = await Promise.all(
      [identity, ...others].map((one, i) =>
        bootstrapAdmin(one, `admin-Secret-${i}-xyz`, () => undefined),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const winner = results.findIndex((r) => r.created);
    await expect(
      identity.login({ username: 'admin', password: `admin-Secret-${winner}-xyz` }, client),
    ).resolves.toBeDefined();
  });

  it('refuses a weak MOAT_ADMIN_PASSWORD with WEAK_PASSWORD', async () => {
    const { identity } = fixture();
    await expect(bootstrapAdmin(identity, 'secret-pw', () => undefined)).rejects.toMatchObject({
      code: 'WEAK_PASSWORD',
    });
  });
});
