/**
 * The grammar of usernames and e-mail addresses. A username is lower-case ASCII
 * (`[a-z0-9][a-z0-9._-]{0,63}`), so that no two names differ only by case or by a Unicode
 * look-alike (a Cyrillic `а` is refused, not folded), and nothing in it can be read as a path, an
 * SQL quote or a robot name (`robot$…`).
 */
import { AuthError } from '../errors.js';

const usernamePattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Names Moat uses itself: audit actors, and `me`, the API's name for the caller (`/users/me`). */
const reservedUsernames = new Set(['anonymous', 'system', 'me']);
const maxEmailLength = 254;
const emailPattern = /^[^\s@<>"'\\\p{Cc}]{1,64}@[^\s@<>"'\\\p{Cc}]{1,189}$/u;

/** True when `name` follows the username grammar (reserved names included). */
export function isUsername(name: string): boolean {
  return usernamePattern.test(name);
}

/**
 * Throws `INVALID_REQUEST` unless `name` may be a new user's name.
 * @example checkNewUsername('alice'); // ok; checkNewUsername('Alice') throws
 */
export function checkNewUsername(name: string): void {
  if (!isUsername(name)) {
    throw new AuthError(
      'INVALID_REQUEST',
      'username must be 1 to 64 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit',
    );
  }
  if (reservedUsernames.has(name)) {
    throw new AuthError('INVALID_REQUEST', `username "${name}" is reserved`);
  }
}

/** Throws `INVALID_REQUEST` unless `email` looks like one address (no spaces or controls). */
export function checkEmail(email: string): void {
  if (email.length > maxEmailLength || !emailPattern.test(email)) {
    throw new AuthError('INVALID_REQUEST', 'email must be one address of at most 254 characters');
  }
}
