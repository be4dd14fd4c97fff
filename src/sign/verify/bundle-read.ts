/**
 * Reads a Sigstore bundle for verification: `parseBundle` (`bundle/parse.ts`: bounded, a known
 * media type, strict base64, the shape `@sigstore/bundle` demands of that version), then the few
 * things left unchecked that the conformance suite requires to fail (a negative log index, an
 * empty certificate chain or one holding a root certificate), and counts that bound the work of
 * verification (every log entry and timestamp present is verified). Anything wrong here is
 * SIGNATURE_INVALID: the bundle is malformed, not a signature that failed.
 */
import { BUNDLE_V01_MEDIA_TYPE, type Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';

import { SignError } from '../../errors.js';
import { parseBundle } from '../bundle/index.js';

/** Most transparency-log entries, RFC 3161 timestamps and chain certificates in a bundle. */
export const bundleCountLimits = { maxTlogEntries: 8, maxTimestamps: 8, maxChainCertificates: 8 };

/** Parses and checks a bundle; SIGNATURE_INVALID naming `source`. */
export function readBundle(bytes: Buffer, source: string): Bundle {
  const bundle = parseBundle(bytes, source);
  const material = bundle.verificationMaterial;
  const counts: [number, number, string][] = [
    [material.tlogEntries.length, bundleCountLimits.maxTlogEntries, 'transparency log entries'],
    [
      material.timestampVerificationData?.rfc3161Timestamps.length ?? 0,
      bundleCountLimits.maxTimestamps,
      'RFC 3161 timestamps',
    ],
    [
      material.content.$case === 'x509CertificateChain'
        ? material.content.x509CertificateChain.certificates.length
        : 1,
      bundleCountLimits.maxChainCertificates,
      'chain certificates',
    ],
  ];
  for (const [count, limit, what] of counts) {
    if (count > limit) throw malformed(source, `has ${count} ${what}, over the limit of ${limit}`);
  }
  for (const entry of bundle.verificationMaterial.tlogEntries) {
    if (!/^\d+$/.test(entry.logIndex)) {
      throw malformed(source, `has a transparency log entry with log index ${entry.logIndex}`);
    }
  }
  const content = bundle.verificationMaterial.content;
  if (content.$case === 'x509CertificateChain') {
    checkChain(content.x509CertificateChain.certificates, source);
  }
  dropProofsWithoutCheckpoint(bundle, source);
  checkProofsAgainstCheckpoints(bundle, source);
  return bundle;
}

/**
 * `@sigstore/verify` checks an inclusion proof against its signed checkpoint's size and root
 * hash, leaving the proof's own `treeSize` and `rootHash` unread; they must agree with the
 * checkpoint so that what the bundle states is what was verified (VERIFICATION_FAILED: a proof
 * for another tree, as in the conformance case `checkpoint-wrong-roothash_fail`).
 */
function checkProofsAgainstCheckpoints(bundle: Bundle, source: string): void {
  for (const entry of bundle.verificationMaterial.tlogEntries) {
    const proof = entry.inclusionProof;
    const note = proof?.checkpoint?.envelope;
    if (!proof || !note) continue;
    // A checkpoint note: origin, tree size, base64 root hash, optional lines, blank line, signatures.
    const [, size, root] = note.split('\n');
    if (size !== proof.treeSize || root !== Buffer.from(proof.rootHash).toString('base64')) {
      throw new SignError(
        'VERIFICATION_FAILED',
        `${source}: transparency log inclusion proof does not match its checkpoint (tree size or root hash)`,
      );
    }
  }
}

/**
 * The chain is the leaf and maybe intermediates; the root must come from the trusted root, never
 * from the bundle (protobuf-specs `X509CertificateChain`; conformance `bundle-with-root-cert`).
 */
function checkChain(certificates: { rawBytes: Buffer }[], source: string): void {
  if (certificates.length === 0) throw malformed(source, 'has an empty certificate chain');
  certificates.forEach((raw, index) => {
    let certificate: X509Certificate;
    try {
      certificate = X509Certificate.parse(Buffer.from(raw.rawBytes));
    } catch (error) {
      throw malformed(source, `certificate ${index} is not a valid X.509 certificate`, error);
    }
    if (certificate.isCA && certificate.issuer.equals(certificate.subject)) {
      throw malformed(source, 'certificate chain contains a root certificate');
    }
  });
}

/**
 * v0.1 bundles may carry an inclusion proof without a checkpoint (a signed tree head): such a
 * proof cannot be checked offline, and `@sigstore/verify` would fail on it with a TypeError. The
 * entry's inclusion promise (SET) is verified instead. Later versions, or an entry without a
 * promise, are refused.
 */
function dropProofsWithoutCheckpoint(bundle: Bundle, source: string): void {
  for (const entry of bundle.verificationMaterial.tlogEntries) {
    if (!entry.inclusionProof || entry.inclusionProof.checkpoint?.envelope) continue;
    if (bundle.mediaType !== BUNDLE_V01_MEDIA_TYPE || !entry.inclusionPromise) {
      throw malformed(source, 'has an inclusion proof without a checkpoint');
    }
    entry.inclusionProof = undefined;
  }
}

function malformed(source: string, what: string, cause?: unknown): SignError {
  return new SignError('SIGNATURE_INVALID', `${source}: bundle ${what}`, { cause });
}
