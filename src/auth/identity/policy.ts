/**
 * The password policy for every password that is set (never for one that is checked): at least
 * 12 characters, at most {@link maxPasswordLength}, no control characters, not the username, not
 * a single repeated character, and not on the common-password list — also once the digits and
 * symbols around a common word are taken away (`Password123!` is `password`).
 */
import { AuthError } from '../errors.js';
import { maxPasswordLength } from '../password.js';

/** The shortest password accepted. */
export const minPasswordLength = 12;

let common: Set<string> | undefined;

async function commonPasswords(): Promise<Set<string>> {
  if (!common) {
    const { commonPasswords: list } = await import('./common-passwords.js');
    common = new Set(list.split(' '));
  }
  return common;
}

/**
 * Throws `WEAK_PASSWORD` (saying why, never echoing the password) unless `password` may be set
 * for `username`.
 * @example await checkPasswordPolicy('correct-horse-battery', 'alice');
 */
export async function checkPasswordPolicy(password: string, username: string): Promise<void> {
  const length = [...password].length;
  if (length < minPasswordLength)
    weakThrow(`it must have at least ${minPasswordLength} characters`);
  if (password.length > maxPasswordLength) {
    weakThrow(`it must have at most ${maxPasswordLength} characters`);
  }
  if (/\p{Cc}/u.test(password)) weakThrow('it must not contain control characters');
  const lower = password.toLowerCase();
  if (new Set(lower).size < 3) weakThrow('it repeats too few different characters');
  const letters = (text: string) => text.replace(/[^\p{L}\p{N}]/gu, '');
  if (letters(lower) === letters(username)) weakThrow('it is the username');
  const list = await commonPasswords();
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  if (list.has(lower) || (core.length >= 4 && list.has(core))) {
    weakThrow('it is on the list of common passwords');
  }
}

function weakThrow(reason: string): never {
  throw new AuthError('WEAK_PASSWORD', `the password is too weak: ${reason}`);
}
