/**
 * Strict base64 for signatures and DSSE fields. Node's decoder skips characters it does not know
 * and ignores stray padding and trailing bits, so two different strings decode to the same bytes;
 * here only the one canonical encoding of some bytes (standard or URL-safe alphabet, padded or
 * not) is accepted, so an altered or re-encoded value never decodes by accident.
 */

const standard = /^[A-Za-z0-9+/]*={0,2}$/;
const urlSafe = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes canonical base64 (either alphabet), or returns undefined. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const isStandard = standard.test(text);
  if (!isStandard && !urlSafe.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '');
  const padded = text.length !== unpadded.length;
  if (padded && text.length % 4 !== 0) return undefined;
  if (unpadded.length % 4 === 1) return undefined;
  const bytes = Buffer.from(unpadded, isStandard ? 'base64' : 'base64url');
  // Re-encoding must give back the input: this rejects non-zero trailing bits.
  const again = bytes.toString(isStandard ? 'base64' : 'base64url').replace(/=+$/, '');
  return again === unpadded ? bytes : undefined;
}
