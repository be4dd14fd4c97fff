/**
 * Recovery codes: ten per enrolment, each 80 random bits written as `xxxx-xxxx-xxxx-xxxx` in a
 * base32 alphabet without look-alikes, shown once and stored as SHA-256 over the user's id and
 * the code (80 bits make a fast hash safe; the id keeps equal codes of two users apart). Each
 * works once.
 */
import { createHash, randomBytes } from 'node:crypto';

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
const codeLength = 16;
/** How many codes an enrolment gives. */
export const recoveryCodeCount = 10;

/** Fresh codes, formatted for the user. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: recoveryCodeCount }, () => {
    const bytes = randomBytes(codeLength);
    // 32 symbols: the low five bits of each byte are uniform.
    const code = Array.from(bytes, (byte) => alphabet[byte & 31]).join('');
    return code.match(/.{4}/g)?.join('-') ?? code;
  });
}

/** A typed code in canonical form (case, dashes and spaces ignored), or undefined. */
export function normalizeRecoveryCode(input: string): string | undefined {
  if (input.length > 64) return undefined;
  const code = input.toLowerCase().replace(/[\s-]/g, '');
  return code.length === codeLength && [...code].every((c) => alphabet.includes(c))
    ? code
    : undefined;
}

/** The stored hash of a canonical code. */
export function hashRecoveryCode(userId: string, code: string): string {
  return createHash('sha256').update(`${userId}:${code}`).digest('hex');
}
