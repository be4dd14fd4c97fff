/**
 * Reads a Sigstore bundle for verification: bounded, JSON, one of the four bundle media types
 * (v0.1, v0.2, v0.3 in both spellings), the shape `@sigstore/bundle` demands of that version, and
 * the few things it leaves unchecked that the conformance suite requires to fail (a negative
 * log index, an empty certificate chain or one holding a root certificate, a signature that is
 * not base64). Anything wrong here is SIGNATURE_INVALID: the bundle is malformed, not a
 * signature that failed.
 */
import {
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  bundleFromJSON,
  type Bundle,
} from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';

import { SignError } from '../../errors.js';

/** The largest bundle read (an attestation's predicate, such as an SBOM, rides inside it). */
export const maxBundleBytes = 16 * 1024 * 1024;

const bundleMediaTypes: readonly string[] = [
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
];

// Protobuf's JSON mapping accepts standard and URL-safe base64, padded or not.
const base64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const isBase64 = (text: string): boolean =>
  base64.test(text) &&
  text.replace(/=+$/, '').length % 4 !== 1 &&
  (text.includes('=') ? text.length % 4 === 0 : true);

/** Parses and checks a bundle; SIGNATURE_INVALID (or LIMIT_EXCEEDED) naming `source`. */
export function readBundle(bytes: Buffer, source: string): Bundle {
  if (bytes.length > maxBundleBytes) {
    throw new SignError(
      'LIMIT_EXCEEDED',
      `${source}: bundle exceeds the limit of ${maxBundleBytes} bytes`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw malformed(source, 'is not JSON', error);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw malformed(source, 'is not a JSON object');
  }
  const mediaType = (json as { mediaType?: unknown }).mediaType;
  if (typeof mediaType !== 'string' || !bundleMediaTypes.includes(mediaType)) {
    throw malformed(source, `has an unknown media type ${JSON.stringify(mediaType ?? null)}`);
  }
  checkBase64Fields(json, source);
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (error) {
    const fields = (error as { fields?: unknown }).fields;
    const detail = Array.isArray(fields) ? ` (${fields.join(', ')})` : '';
    throw malformed(source, `is not a valid Sigstore bundle${detail}`, error);
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
  return bundle;
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
 * entry's inclusion promise (SET) is verified instead; without one the bundle is refused.
 */
function dropProofsWithoutCheckpoint(bundle: Bundle, source: string): void {
  for (const entry of bundle.verificationMaterial.tlogEntries) {
    if (!entry.inclusionProof || entry.inclusionProof.checkpoint?.envelope) continue;
    if (!entry.inclusionPromise) {
      throw malformed(
        source,
        'has an inclusion proof without a checkpoint and no inclusion promise',
      );
    }
    entry.inclusionProof = undefined;
  }
}

/**
 * The protobuf JSON reader decodes base64 leniently (Node skips invalid characters), so the
 * signature fields are checked strictly first.
 */
function checkBase64Fields(json: object, source: string): void {
  const message = (json as { messageSignature?: { signature?: unknown } }).messageSignature;
  const envelope = (json as { dsseEnvelope?: { payload?: unknown; signatures?: unknown } })
    .dsseEnvelope;
  const values: unknown[] = [message?.signature, envelope?.payload];
  if (Array.isArray(envelope?.signatures)) {
    for (const signature of envelope.signatures as { sig?: unknown }[]) values.push(signature?.sig);
  }
  for (const value of values) {
    if (typeof value === 'string' && !isBase64(value)) {
      throw malformed(source, 'has a signature or payload that is not valid base64');
    }
  }
}

function malformed(source: string, what: string, cause?: unknown): SignError {
  return new SignError('SIGNATURE_INVALID', `${source}: bundle ${what}`, { cause });
}
