/**
 * A keyless legacy signature as a Sigstore bundle. cosign's legacy layers carry the same material
 * a bundle does, in annotations: the Fulcio certificate (`dev.sigstore.cosign/certificate`), its
 * chain, and the Rekor entry as cosign's "bundle" (`dev.sigstore.cosign/bundle`: the signed entry
 * timestamp and the entry's body, integrated time, log index and log ID; cosign
 * `pkg/cosign/bundle/rekor.go` `RekorBundle`) and an RFC 3161 timestamp, when there is one
 * (`dev.sigstore.cosign/rfc3161timestamp`, `pkg/cosign/bundle/tsa.go`). Rewritten as a v0.1 bundle (inclusion promise, no
 * proof) it is verified offline by the one bundle verifier, like cosign's own legacy path checks
 * the signed entry timestamp against the trusted root's Rekor key.
 */
import { createHash } from 'node:crypto';

import { z } from 'zod';

import { SignError } from '../../errors.js';
import { decodeBase64Strict } from '../payload/base64.js';
import { parseEnvelope } from '../payload/dsse.js';
import type { LegacySignatureLayer } from '../types.js';

const v01MediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.1';

/** Most PEM blocks read from the certificate annotation. */
const maxChainCertificates = 10;

const rekorBundleSchema = z.object({
  SignedEntryTimestamp: z.string(),
  Payload: z.object({
    body: z.string(),
    integratedTime: z.number().int().nonnegative(),
    logIndex: z.number().int().nonnegative(),
    logID: z.string().regex(/^[0-9a-f]+$/),
  }),
});

const bodyKindSchema = z.looseObject({ kind: z.string(), apiVersion: z.string() });

// cosign `pkg/cosign/bundle/tsa.go` RFC3161Timestamp, in `dev.sigstore.cosign/rfc3161timestamp`.
const timestampSchema = z.object({ SignedRFC3161Timestamp: z.string() });

function invalid(found: LegacySignatureLayer, reason: string, cause?: unknown): SignError {
  return new SignError('SIGNATURE_INVALID', `${found.source}: ${reason}`, { cause });
}

/** The DER of each `CERTIFICATE` block of a PEM text, base64 as in bundle JSON. */
function certificatesOf(pemText: string, found: LegacySignatureLayer): string[] {
  const blocks = [
    ...pemText.matchAll(/-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/g),
  ];
  if (blocks.length > maxChainCertificates) {
    throw invalid(found, `more than ${maxChainCertificates} certificates in the annotations`);
  }
  return blocks.map((block) => {
    const der = decodeBase64Strict(block[1]!.replace(/\s+/g, ''));
    if (der === undefined || der.length === 0) throw invalid(found, 'certificate is not valid PEM');
    return der.toString('base64');
  });
}

/** The Rekor entry of the layer's `dev.sigstore.cosign/bundle` annotation, as a bundle tlog entry. */
function tlogEntry(rekorBundle: string, found: LegacySignatureLayer): Record<string, unknown> {
  let parsed: z.infer<typeof rekorBundleSchema>;
  try {
    parsed = rekorBundleSchema.parse(JSON.parse(rekorBundle));
  } catch (error) {
    throw invalid(found, "the Rekor bundle annotation is not cosign's RekorBundle JSON", error);
  }
  const { Payload: payload } = parsed;
  const body = decodeBase64Strict(payload.body);
  if (body === undefined || decodeBase64Strict(parsed.SignedEntryTimestamp) === undefined) {
    throw invalid(found, 'the Rekor bundle annotation is not valid base64');
  }
  let kind: z.infer<typeof bodyKindSchema>;
  try {
    kind = bodyKindSchema.parse(JSON.parse(body.toString('utf8')));
  } catch (error) {
    throw invalid(found, 'the Rekor entry body is not a Rekor entry', error);
  }
  return {
    logIndex: String(payload.logIndex),
    logId: { keyId: Buffer.from(payload.logID, 'hex').toString('base64') },
    kindVersion: { kind: kind.kind, version: kind.apiVersion },
    integratedTime: String(payload.integratedTime),
    inclusionPromise: { signedEntryTimestamp: parsed.SignedEntryTimestamp },
    canonicalizedBody: payload.body,
  };
}

/**
 * The layer's RFC 3161 timestamp annotation as bundle timestamp data, when present. Only for
 * signature layers: cosign stamps a signature layer's raw signature (what a bundle's timestamp
 * covers) but an attestation layer's whole payload, the envelope JSON (cosign
 * `pkg/cosign/verify.go` `VerifyRFC3161Timestamp`), which a bundle cannot express. An
 * attestation's annotation is checked for shape and left out; its signed entry timestamp still
 * gives the signing time.
 */
function timestampData(found: LegacySignatureLayer): Record<string, unknown> {
  if (found.timestamp === undefined) return {};
  let parsed: z.infer<typeof timestampSchema>;
  try {
    parsed = timestampSchema.parse(JSON.parse(found.timestamp));
  } catch (error) {
    throw invalid(found, "the timestamp annotation is not cosign's RFC3161Timestamp JSON", error);
  }
  if (decodeBase64Strict(parsed.SignedRFC3161Timestamp) === undefined) {
    throw invalid(found, 'the timestamp annotation is not valid base64');
  }
  if (found.kind === 'attestation') return {};
  return {
    timestampVerificationData: {
      rfc3161Timestamps: [{ signedTimestamp: parsed.SignedRFC3161Timestamp }],
    },
  };
}

function content(found: LegacySignatureLayer): Record<string, unknown> {
  if (found.kind === 'attestation') {
    const envelope = parseEnvelope(found.payload, found.source);
    return {
      dsseEnvelope: {
        payload: envelope.payload,
        payloadType: envelope.payloadType,
        signatures: envelope.signatures.map((signature) => ({ sig: signature.sig })),
      },
    };
  }
  if (decodeBase64Strict(found.signature) === undefined) {
    throw invalid(found, 'the signature annotation is not valid base64');
  }
  return {
    messageSignature: {
      messageDigest: {
        algorithm: 'SHA2_256',
        digest: createHash('sha256').update(found.payload).digest('base64'),
      },
      signature: found.signature,
    },
  };
}

/**
 * The Sigstore bundle (v0.1 JSON) equivalent to a keyless legacy layer: its certificate (the chain
 * annotation is not used),
 * its Rekor entry with the inclusion promise, and the signature (or, for an attestation, the
 * envelope). `SIGNATURE_INVALID` when the layer carries no certificate or Rekor bundle.
 */
export function legacyKeylessBundle(found: LegacySignatureLayer): Buffer {
  if (found.certificate === undefined) throw invalid(found, 'no certificate annotation');
  if (found.rekorBundle === undefined) {
    throw invalid(
      found,
      'no Rekor bundle annotation (a keyless signature needs its log entry offline)',
    );
  }
  const leaf = certificatesOf(found.certificate, found);
  if (leaf.length !== 1)
    throw invalid(found, 'the certificate annotation holds no single certificate');
  const bundle = {
    mediaType: v01MediaType,
    verificationMaterial: {
      // Only the leaf: cosign's chain annotation ends with the Fulcio root, and a bundle chain
      // holding a root is refused; the intermediates come from the trusted root instead.
      x509CertificateChain: { certificates: leaf.map((rawBytes) => ({ rawBytes })) },
      tlogEntries: [tlogEntry(found.rekorBundle, found)],
      ...timestampData(found),
    },
    ...content(found),
  };
  return Buffer.from(JSON.stringify(bundle), 'utf8');
}
