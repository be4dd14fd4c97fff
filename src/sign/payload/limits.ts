/**
 * Limits on the signed documents of `payload/` and `bundle/`: everything here is read from a
 * registry or a file someone else wrote. `docs/limits.md` lists them.
 */

/** The limits on payloads, envelopes and bundles, in one place. */
export const payloadLimits = Object.freeze({
  /** Largest simple-signing payload (cosign's are ~250 bytes plus annotations). */
  maxSimpleSigningBytes: 256 * 1024,
  /** Largest DSSE envelope JSON (attestations carry whole SBOMs, base64-encoded). */
  maxEnvelopeBytes: 64 * 1024 * 1024,
  /** Largest in-toto statement (the envelope's decoded payload). */
  maxStatementBytes: 48 * 1024 * 1024,
  /** Most signatures in one DSSE envelope. */
  maxEnvelopeSignatures: 16,
  /** Most subjects in one in-toto statement. */
  maxStatementSubjects: 1024,
  /** Largest Sigstore bundle JSON. */
  maxBundleBytes: 64 * 1024 * 1024,
});
