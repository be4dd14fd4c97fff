/**
 * Password hashing: argon2id (`@node-rs/argon2`) with OWASP's recommended parameters (19 MiB of
 * memory, 2 passes, 1 lane), stored as the PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash`, so
 * that the parameters travel with the hash and can be raised later. Issue 10 stored scrypt hashes
 * as `scrypt$N$r$p$salt$hash`; `verifyPassword` still reads them, and {@link needsRehash} tells a
 * caller to replace one after a successful verification.
 */
import {
  randomBytes,
  scrypt as scryptCallback,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';

import { hash as argon2Hash, verify as argon2Verify, type Options } from '@node-rs/argon2';

import { MoatError } from '../errors.js';

/** OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1. */
const argon2Options: Options = {
  // Algorithm.Argon2id: the package's enum is `const`, which a bundler does not inline.
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
};
/** Longest password accepted anywhere: nothing needs more, and hashing cost must stay bounded. */
export const maxPasswordLength = 1024;
/** Stored hashes beyond these costs are refused rather than computed (a denial of service). */
const maxArgon2MemoryKib = 256 * 1024;
const maxArgon2Passes = 16;

/**
 * Hashes `password` with argon2id and a fresh random salt.
 *
 * @example
 * const encoded = await hashPassword('correct horse battery'); // '$argon2id$v=19$m=19456,t=2,p=1$…'
 */
export async function hashPassword(password: string): Promise<string> {
  return argon2Hash(password, argon2Options);
}

/** True when `encoded` is not an argon2id hash with the current parameters. */
export function needsRehash(encoded: string): boolean {
  const { memoryCost, timeCost, parallelism } = argon2Options;
  return !encoded.startsWith(`$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`);
}

/**
 * Hashing runs on libuv's thread pool (4 threads by default), which the filesystem blob store needs
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

/**
 * True when `password` matches `encoded` (an argon2id PHC string, or an issue-10 scrypt hash);
 * the comparison is constant-time. Throws `CONFIG_INVALID` for a hash it cannot read.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (password.length > maxPasswordLength) return false;
  if (encoded.startsWith('scrypt$')) return verifyScrypt(password, encoded);
  checkArgon2Costs(encoded);
  const matches = await withVerificationSlot(() => argon2Verify(encoded, password));
  return matches === true;
}

function checkArgon2Costs(encoded: string): void {
  const match = /^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})\$/.exec(encoded);
  if (!match || Number(match[1]) > maxArgon2MemoryKib || Number(match[2]) > maxArgon2Passes) {
    throw new MoatError('CONFIG_INVALID', 'a stored password hash is not a valid argon2id hash');
  }
}

/** A random password: 24 bytes from the CSPRNG, 32 characters of base64url. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

// Issue 10's scrypt hashes, read only.

function scrypt(password: string, salt: Buffer, length: number, options: ScryptOptions) {
  return new Promise<Buffer>((resolve, reject) => {
    scryptCallback(password, salt, length, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

async function verifyScrypt(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$');
  const [, n, r, p, salt, hash] = parts;
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  const valid =
    parts.length === 6 &&
    Number.isInteger(N) &&
    Number.isInteger(R) &&
    Number.isInteger(P) &&
    N >= 2 &&
    N <= 2 ** 20 &&
    (N & (N - 1)) === 0 &&
    R >= 1 &&
    R <= 32 &&
    P >= 1 &&
    P <= 16 &&
    !!salt &&
    !!hash;
  if (!valid) {
    throw new MoatError('CONFIG_INVALID', 'a stored password hash is not a valid scrypt hash');
  }
  const expected = Buffer.from(hash, 'base64url');
  if (expected.length < 16 || expected.length > 64) return false;
  const candidate = await withVerificationSlot(() =>
    scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
      N,
      r: R,
      p: P,
      // scrypt needs 128·N·r bytes.
      maxmem: 128 * N * R + 1024 * 1024,
    }),
  );
  return candidate !== undefined && timingSafeEqual(candidate, expected);
}
