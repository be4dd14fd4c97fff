/**
 * Checks on password-based key derivation parameters read from a key file, made before any
 * derivation runs: a hostile file must not buy gigabytes of memory or minutes of CPU with one
 * number. Shared by cosign's format (scrypt) and encrypted PKCS#8 (PBKDF2, scrypt, PBES1).
 */
import { SignError } from '../../errors.js';
import { maxPbkdf2Iterations, maxScryptN, maxScryptP, maxScryptR } from './limits.js';

/** scrypt's cost parameters. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * @throws SignError KEY_INVALID (parameters scrypt itself refuses), LIMIT_EXCEEDED (beyond the
 *   limits in `limits.ts`)
 */
export function checkScryptParams({ N, r, p }: ScryptParams, source: string): void {
  if (N > maxScryptN || r > maxScryptR || p > maxScryptP) {
    throw new SignError(
      'LIMIT_EXCEEDED',
      `${source}: scrypt parameters N=${N} r=${r} p=${p} exceed the limits N ≤ ${maxScryptN}, r ≤ ${maxScryptR}, p ≤ ${maxScryptP}`,
    );
  }
  // Within the limits every value is a small number, so the bit test is exact.
  if (N < 2 || (N & (N - 1)) !== 0 || r < 1 || p < 1) {
    throw new SignError(
      'KEY_INVALID',
      `${source}: scrypt parameters N=${N} r=${r} p=${p} are not valid (N a power of two > 1, r and p ≥ 1)`,
    );
  }
}

/** @throws SignError LIMIT_EXCEEDED above `maxPbkdf2Iterations`, KEY_INVALID below 1 */
export function checkPbkdf2Iterations(iterations: number, source: string): void {
  if (iterations < 1) {
    throw new SignError('KEY_INVALID', `${source}: key derivation iteration count is not positive`);
  }
  if (iterations > maxPbkdf2Iterations) {
    throw new SignError(
      'LIMIT_EXCEEDED',
      `${source}: key derivation iteration count ${iterations} exceeds the limit of ${maxPbkdf2Iterations}`,
    );
  }
}
