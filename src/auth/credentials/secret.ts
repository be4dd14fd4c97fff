/**
 * The random text of personal access tokens and robot secrets, and how it is stored: only the
 * SHA-256 of it. 32 random bytes cannot be guessed, so a fast hash is enough (what GitHub and
 * Harbor do) and a lookup by hash needs no per-user salt.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The prefix of every personal access token (secret scanners can recognise it). */
export const tokenPrefix = 'moat_pat_';
/** 32 random bytes in base64url. */
const randomLength = 43;
const randomText = /^[A-Za-z0-9_-]{43}$/;

/** A new personal access token: `moat_pat_<43 base64url characters>`. */
export function generateToken(): string {
  return `${tokenPrefix}${randomBytes(32).toString('base64url')}`;
}

/** A new robot secret: 43 base64url characters. */
export function generateRobotSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** True when `text` has the shape of a token this module generates (checked before any lookup). */
export function looksLikeToken(text: string): boolean {
  return (
    text.length === tokenPrefix.length + randomLength &&
    text.startsWith(tokenPrefix) &&
    randomText.test(text.slice(tokenPrefix.length))
  );
}

/** True when `text` has the shape of a robot secret. */
export function looksLikeRobotSecret(text: string): boolean {
  return randomText.test(text);
}

/** The stored form of a token or secret: SHA-256, hex. */
export function hashSecret(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Compares a secret with a stored hash in constant time. */
export function secretMatches(text: string, storedHash: string): boolean {
  const actual = Buffer.from(hashSecret(text), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
