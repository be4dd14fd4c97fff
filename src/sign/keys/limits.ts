/**
 * The explicit limits on key files and on cosign's scrypt parameters. A key file and its KDF
 * parameters are untrusted input: a hostile `N` alone could ask for gigabytes of memory, so the
 * parameters are checked against these bounds before any work is done (`docs/limits.md`).
 */

/** Largest key or certificate file read, in bytes (an RSA-4096 PKCS#8 PEM is ~3.3 KB). */
export const maxKeyFileBytes = 64 * 1024;

/**
 * Largest scrypt `N` accepted: 2^17, the strongest of the three parameter sets cosign reads
 * (go-securesystemslib `encrypted`: legacy 2^15, standard 2^16 — what cosign writes — OWASP 2^17).
 */
export const maxScryptN = 2 ** 17;

/** Largest scrypt `r` accepted (cosign: always 8). */
export const maxScryptR = 8;

/** Largest scrypt `p` accepted (cosign: always 1). */
export const maxScryptP = 1;

/**
 * Largest PBKDF2 (or PBES1) iteration count accepted in an encrypted PKCS#8 key: OpenSSL writes
 * 2048 by default, OWASP asks 600 000 (SHA-256) to 1 300 000 (SHA-1); 2 000 000 costs a second or
 * two, where a hostile 2^31 would cost many minutes.
 */
export const maxPbkdf2Iterations = 2_000_000;

/** The scrypt salt length cosign writes and the only one accepted, in bytes. */
export const scryptSaltBytes = 32;

/** NaCl secretbox's nonce length, in bytes. */
export const secretboxNonceBytes = 24;

/**
 * `maxmem` handed to Node's scrypt: scrypt needs 128·N·r bytes (128 MiB at the limits above)
 * plus a little; Node's default of 32 MiB would refuse cosign's own standard parameters.
 */
export const scryptMaxMemBytes = 128 * maxScryptN * maxScryptR + 16 * 1024 * 1024;
