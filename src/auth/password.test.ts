import { describe, expect, it } from 'vitest';

import { generatePassword, hashPassword, verifyPassword } from './password.js';

describe('password hashing', () => {
  it('verifies the password it hashed and refuses another', async () => {
    const encoded = await hashPassword('correct horse');
    expect(encoded).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse', encoded)).toBe(true);
    expect(await verifyPassword('correct horsf', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
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
    await expect(verifyPassword('x', 'bcrypt$whatever')).rejects.toThrow(/not a valid scrypt hash/);
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
