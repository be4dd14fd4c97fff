/**
 * Password hashing for the bootstrap administrator: scrypt from node:crypto, encoded as
 * `scrypt$N$r$p$salt$hash` (salt and hash in base64url) so that the parameters travel with the
 * hash and can be raised later. Issue 11 moves to argon2id; `verifyPassword` keeps reading this
 * encoding.
 */
import {
  randomBytes,
  scrypt as scryptCallback,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';

import { MoatError } from '../errors.js';

const defaults = { N: 2 ** 15, r: 8, p: 1 };
const saltBytes = 16;
const hashBytes = 32;
/** Longest password accepted: scrypt's cost does not depend on it, but nothing needs more. */
export const maxPasswordLength = 1024;

function scrypt(
  password: string,
  salt: Buffer,
  length: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, length, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/** scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) is exactly N=2^15, r=8. */
function memoryFor(N: number, r: number): number {
  return 128 * N * r + 1024 * 1024;
}

/**
 * Hashes `password` with a fresh random salt.
 *
 * @example
 * const encoded = await hashPassword('s3cret'); // 'scrypt$32768$8$1$…$…'
 */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p } = defaults;
  const salt = randomBytes(saltBytes);
  const hash = await scrypt(password, salt, hashBytes, { N, r, p, maxmem: memoryFor(N, r) });
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** Reads an encoded hash; refuses parameters that would make verification a denial of service. */
function parseHash(encoded: string): ParsedHash {
  const parts = encoded.split('$');
  const [scheme, n, r, p, salt, hash] = parts;
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  if (
    parts.length !== 6 ||
    scheme !== 'scrypt' ||
    !Number.isInteger(N) ||
    !Number.isInteger(R) ||
    !Number.isInteger(P) ||
    N < 2 ||
    N > 2 ** 20 ||
    (N & (N - 1)) !== 0 ||
    R < 1 ||
    R > 32 ||
    P < 1 ||
    P > 16 ||
    !salt ||
    !hash
  ) {
    throw new MoatError('CONFIG_INVALID', 'the stored password hash is not a valid scrypt hash');
  }
  return {
    N,
    r: R,
    p: P,
    salt: Buffer.from(salt, 'base64url'),
    hash: Buffer.from(hash, 'base64url'),
  };
}

/**
 * scrypt runs on libuv's thread pool (4 threads by default), which the filesystem blob store needs
 * too: a flood of wrong passwords must not take every thread. At most this many verifications run
 * at once; the others wait their turn.
 */
const maxConcurrentVerifications = 2;
/** Beyond this many waiting, a verification fails at once (an overload, not a slow answer). */
const maxWaitingVerifications = 256;
let running = 0;
const waiting: (() => void)[] = [];

async function withVerificationSlot<T>(fn: () => Promise<T>): Promise<T | undefined> {
  if (running >= maxConcurrentVerifications) {
    if (waiting.length >= maxWaitingVerifications) return undefined;
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    // The slot passes straight to the next waiter; otherwise it is freed.
    if (next) next();
    else running--;
  }
}

/** True when `password` matches `encoded` (a {@link hashPassword} result); constant-time compare. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (password.length > maxPasswordLength) return false;
  const { N, r, p, salt, hash } = parseHash(encoded);
  if (hash.length < 16 || hash.length > 64) return false;
  const candidate = await withVerificationSlot(() =>
    scrypt(password, salt, hash.length, { N, r, p, maxmem: memoryFor(N, r) }),
  );
  return candidate !== undefined && timingSafeEqual(candidate, hash);
}

/** A random password: 24 bytes from the CSPRNG, 32 characters of base64url. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}
