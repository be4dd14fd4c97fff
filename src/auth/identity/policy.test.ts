import { describe, expect, it } from 'vitest';

import { checkPasswordPolicy } from './policy.js';

describe('password policy', () => {
  it.each([
    ['a passphrase', 'correct-horse-battery'],
    ['12 characters', 'Tz8#qL0v!pW2'],
    ['Unicode', 'пароль-длинный-очень'],
    ['1024 characters', 'ab1-'.repeat(256)],
  ])('accepts %s', async (_what, password) => {
    await expect(checkPasswordPolicy(password, 'alice')).resolves.toBeUndefined();
  });

  it.each([
    ['11 characters', 'Tz8#qL0v!pW', /at least 12/],
    ['1025 characters', 'ab1-'.repeat(256) + 'x', /at most 1024/],
    ['a common password', 'qwerty123456', /common passwords/],
    ['a common password in capitals', 'QWERTY123456', /common passwords/],
    ['a common word with digits and symbols around it', '!!Password2024!!', /common passwords/],
    ['a common word with digits', 'sunshine12345', /common passwords/],
    ['one repeated character', 'aaaaaaaaaaaaaaa', /different characters/],
    ['two characters', 'abababababab', /different characters/],
    ['the username', 'Alice.Liddell', /username/],
    ['a control character', 'correct-horse\u0000battery', /control/],
  ])('refuses %s', async (_what, password, reason) => {
    const error = await checkPasswordPolicy(password, 'alice.liddell').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WEAK_PASSWORD' });
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).not.toContain(password);
  });
});
