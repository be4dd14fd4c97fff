import { randomBytes, scryptSync } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { generatePassword, hashPassword, needsRehash, verifyPassword } from './password.js';

/** An issue-10 hash, as `auth.admin` held it. */
function scryptHash(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 });
  return ['scrypt', 1024, 8, 1, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

describe('password hashing', () => {
  it('hashes with argon2id at the OWASP parameters and verifies only the same password', async () => {
    const encoded = await hashPassword('correct horse');
    expect(encoded).toMatch(
      /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/,
    );
    expect(needsRehash(encoded)).toBe(false);
    expect(await verifyPassword('correct horse', encoded)).toBe(true);
    expect(await verifyPassword('correct horsf', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
  });

  it('still verifies an issue-10 scrypt hash, and asks for it to be rehashed', async () => {
    const encoded = scryptHash('old password');
    expect(await verifyPassword('old password', encoded)).toBe(true);
    expect(await verifyPassword('old passwore', encoded)).toBe(false);
    expect(needsRehash(encoded)).toBe(true);
  });

  it('answers every one of many concurrent verifications (they queue for a few slots)', async () => {
    const encoded = await hashPassword('pw');
    const answers = await Promise.all(
      Array.from({ length: 7 }, (_, i) => verifyPassword(i % 2 === 0 ? 'pw' : 'nope', encoded)),
    );
    expect(answers).toEqual([true, false, true, false, true, false, true]);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('refuses a stored hash with parameters that would exhaust the server', async () => {
    await expect(
      verifyPassword('x', 'scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA'),
    ).rejects.toThrow(/not a valid scrypt hash/);
    await expect(
      verifyPassword('x', '$argon2id$v=19$m=4194304,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA'),
    ).rejects.toThrow(/not a valid argon2id hash/);
    await expect(verifyPassword('x', 'bcrypt$whatever')).rejects.toThrow(/not a valid argon2id/);
  });

  it('refuses passwords longer than the limit without hashing them', async () => {
    const encoded = await hashPassword('a');
    expect(await verifyPassword('a'.repeat(100_000), encoded)).toBe(false);
  });

  it('generates passwords of at least 24 base64url characters from the CSPRNG', () => {
    const password = generatePassword();
    expect(password).toMatch(/^[A-Za-z0-9_-]{24,}$/);
    expect(generatePassword()).not.toBe(password);
  });
});
