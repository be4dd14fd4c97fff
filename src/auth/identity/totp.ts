/**
 * TOTP (RFC 6238) as authenticator apps expect it: HMAC-SHA-1, 6 digits, 30-second steps, a
 * 160-bit random seed shown as base32. A code is accepted for the current step and one step either
 * side; the caller then claims the step (`totp_last_step`) so that no step is used twice. The
 * HOTP computation is `otpauth`'s; the comparison here is constant-time.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

import { HOTP, Secret, TOTP } from 'otpauth';
import { renderSVG } from 'uqr';

const periodSeconds = 30;
const digits = 6;
const seedBytes = 20;
const issuer = 'Moat';

/** A fresh random seed (the bytes to seal, and base32 for the user). */
export function newTotpSeed(): { seed: Buffer; base32: string } {
  const seed = randomBytes(seedBytes);
  return { seed, base32: new Secret({ buffer: toArrayBuffer(seed) }).base32 };
}

/** The `otpauth://totp/…` URI authenticator apps read (also from the QR code). */
export function totpUri(seed: Buffer, username: string): string {
  return new TOTP({
    issuer,
    label: username,
    secret: new Secret({ buffer: toArrayBuffer(seed) }),
    algorithm: 'SHA1',
    digits,
    period: periodSeconds,
  }).toString();
}

/** The URI as a QR code in SVG. */
export function qrCodeSvg(uri: string): string {
  return renderSVG(uri, { ecc: 'M', pixelSize: 6 });
}

/** The time step of `nowMs`. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / periodSeconds);
}

/** True when `code` has the shape of a TOTP code (6 digits, spaces ignored). */
export function isTotpCode(code: string): boolean {
  return /^\d{6}$/.test(code.replace(/ /g, ''));
}

/** The code of `step` (for tests and tools; login only compares). */
export function totpCode(seed: Buffer, step: number): string {
  return HOTP.generate({
    secret: new Secret({ buffer: toArrayBuffer(seed) }),
    algorithm: 'SHA1',
    digits,
    counter: step,
  });
}

/**
 * The step, within one of the current one, whose code is `code`; undefined when none matches.
 * Every candidate is computed and compared, so the time taken tells nothing.
 */
export function matchTotpStep(seed: Buffer, code: string, nowMs: number): number | undefined {
  const given = Buffer.from(code.replace(/ /g, ''));
  if (given.length !== digits) return undefined;
  const current = totpStep(nowMs);
  let matched: number | undefined;
  for (const step of [current - 1, current, current + 1]) {
    const expected = Buffer.from(totpCode(seed, step));
    if (timingSafeEqual(expected, given) && matched === undefined) matched = step;
  }
  return matched;
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
