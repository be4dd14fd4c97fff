/**
 * Keyless verification of cosign's legacy signature layers: the Fulcio certificate in the
 * `dev.sigstore.cosign/certificate` annotation and the Rekor entry in `dev.cosignproject.cosign/bundle`
 * (cosign `pkg/cosign/bundle/rekor.go` RekorBundle: `SignedEntryTimestamp` and `Payload` with
 * `body`, `integratedTime`, `logIndex`, `logID`). The layer is recast as the Sigstore bundle v0.1
 * it is equivalent to — the certificate, the entry with its inclusion promise (SET), and the
 * signed content (the layer bytes as a message signature, or its DSSE envelope) — and verified
 * exactly as a keyless bundle (`keyless.ts`), so the entry must be for this very signature.
 *
 * Left out: the `dev.sigstore.cosign/chain` annotation (intermediates come from the trusted root,
 * as for bundles) and the `dev.sigstore.cosign/timestamp` RFC 3161 annotation (for attestations
 * cosign stamps the layer bytes, not the signature; the SET already gives the signing time). A
 * layer without a Rekor bundle (TSA only) is refused.
 */
import { createHash } from 'node:crypto';

import { BUNDLE_V01_MEDIA_TYPE, type Bundle } from '@sigstore/bundle';
import { X509Certificate, pem } from '@sigstore/core';
import { HashAlgorithm } from '@sigstore/protobuf-specs';

import { isMoatError, SignError } from '../../errors.js';
import { decodeBase64Strict } from '../payload/base64.js';
import { parseEnvelope } from '../payload/dsse.js';
import type { LegacySignatureLayer, Signer, VerificationPolicy } from '../types.js';
import { signingTime, verifyKeyless } from './keyless.js';
import { dsseEntity, messageSignatureEntity } from './signed-entity.js';

/** The largest Rekor bundle annotation read (an entry's body is a few KiB). */
export const maxRekorBundleBytes = 256 * 1024;

/** What a keyless legacy signature establishes; the caller checks the payload against the image. */
export interface VerifiedLegacyCertificate {
  signer: Extract<Signer, { kind: 'certificate' }>;
  /** The Rekor entry's integrated time, ISO 8601. */
  signedAt: string;
}

/**
 * Verifies the certificate, Rekor entry and signature of a keyless legacy layer against the
 * policy's trusted root and identity. Throws `SignError('VERIFICATION_FAILED', reason)` (USAGE
 * when the identity policy is missing).
 *
 * @example
 * if (found.certificate !== undefined) verifyLegacyCertificate(found, policy).signer
 */
export function verifyLegacyCertificate(
  found: LegacySignatureLayer,
  policy: VerificationPolicy,
): VerifiedLegacyCertificate {
  if (found.certificate === undefined) throw failed(found, 'the layer has no certificate');
  if (found.rekorBundle === undefined) {
    throw failed(found, 'the layer has a certificate but no Rekor bundle (transparency log entry)');
  }
  const bundle = legacyBundle(found, found.certificate, found.rekorBundle);
  const entity =
    bundle.content.$case === 'dsseEnvelope'
      ? dsseEntity(bundle, bundle.content.dsseEnvelope, found.source)
      : messageSignatureEntity(bundle, { bytes: found.payload }, found.source);
  let result;
  try {
    result = verifyKeyless(entity, policy, found.source);
  } catch (error) {
    // A layer is a signature that failed, never a malformed file: H3's contract for verifyLegacy.
    if (error instanceof SignError && error.code === 'SIGNATURE_INVALID') {
      throw new SignError('VERIFICATION_FAILED', error.message, { cause: error });
    }
    throw error;
  }
  const { signer, verified } = result;
  if (signer.kind !== 'certificate')
    throw new Error('unreachable: keyless signer without a certificate');
  return { signer, signedAt: signingTime(verified) ?? '' };
}

function legacyBundle(
  found: LegacySignatureLayer,
  certificate: string,
  rekorBundle: string,
): Bundle {
  let der: Buffer;
  try {
    der = pem.toDER(certificate);
    X509Certificate.parse(Buffer.from(der));
  } catch (error) {
    throw failed(found, 'the certificate annotation is not a PEM X.509 certificate', error);
  }
  return {
    mediaType: BUNDLE_V01_MEDIA_TYPE,
    verificationMaterial: {
      content: {
        $case: 'x509CertificateChain',
        x509CertificateChain: { certificates: [{ rawBytes: der }] },
      },
      tlogEntries: [rekorEntry(found, rekorBundle)],
      timestampVerificationData: undefined,
    },
    content: signedContent(found),
  };
}

function signedContent(found: LegacySignatureLayer): Bundle['content'] {
  if (found.kind === 'signature') {
    const signature = decodeBase64Strict(found.signature);
    if (signature === undefined || signature.length === 0) {
      throw failed(found, 'the signature annotation is missing or not valid base64');
    }
    return {
      $case: 'messageSignature',
      messageSignature: {
        messageDigest: {
          algorithm: HashAlgorithm.SHA2_256,
          digest: createHash('sha256').update(found.payload).digest(),
        },
        signature,
      },
    };
  }
  let envelope;
  try {
    envelope = parseEnvelope(found.payload, found.source);
  } catch (error) {
    throw failed(
      found,
      isMoatError(error) ? error.message : 'the layer is not a DSSE envelope',
      error,
    );
  }
  const [only, ...rest] = envelope.signatures;
  const payload = decodeBase64Strict(envelope.payload);
  const sig = only === undefined ? undefined : decodeBase64Strict(only.sig);
  if (rest.length > 0 || payload === undefined || sig === undefined) {
    throw failed(found, 'the DSSE envelope must hold one valid signature');
  }
  return {
    $case: 'dsseEnvelope',
    dsseEnvelope: {
      payloadType: envelope.payloadType,
      payload,
      signatures: [{ keyid: only?.keyid ?? '', sig }],
    },
  };
}

/** The Rekor bundle annotation as a transparency-log entry with its inclusion promise. */
function rekorEntry(
  found: LegacySignatureLayer,
  text: string,
): Bundle['verificationMaterial']['tlogEntries'][number] {
  if (Buffer.byteLength(text) > maxRekorBundleBytes) {
    throw failed(found, `the Rekor bundle exceeds ${maxRekorBundleBytes} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw failed(found, 'the Rekor bundle is not JSON', error);
  }
  const { SignedEntryTimestamp: set, Payload: payload } = (json ?? {}) as {
    SignedEntryTimestamp?: unknown;
    Payload?: { body?: unknown; integratedTime?: unknown; logIndex?: unknown; logID?: unknown };
  };
  const signedEntryTimestamp = typeof set === 'string' ? decodeBase64Strict(set) : undefined;
  const body = typeof payload?.body === 'string' ? decodeBase64Strict(payload.body) : undefined;
  const { integratedTime, logIndex, logID } = payload ?? {};
  if (
    signedEntryTimestamp === undefined ||
    body === undefined ||
    !Number.isSafeInteger(integratedTime) ||
    !Number.isSafeInteger(logIndex) ||
    (logIndex as number) < 0 ||
    typeof logID !== 'string' ||
    !/^(?:[0-9a-f]{2})+$/.test(logID)
  ) {
    throw failed(
      found,
      'the Rekor bundle lacks a valid SignedEntryTimestamp, body, integratedTime, logIndex or logID',
    );
  }
  let kind: { kind?: unknown; apiVersion?: unknown };
  try {
    kind = JSON.parse(body.toString('utf8')) as typeof kind;
  } catch (error) {
    throw failed(found, 'the Rekor entry body is not JSON', error);
  }
  if (typeof kind.kind !== 'string' || typeof kind.apiVersion !== 'string') {
    throw failed(found, 'the Rekor entry body has no kind or apiVersion');
  }
  return {
    logIndex: String(logIndex),
    logId: { keyId: Buffer.from(logID, 'hex') },
    kindVersion: { kind: kind.kind, version: kind.apiVersion },
    integratedTime: String(integratedTime),
    inclusionPromise: { signedEntryTimestamp },
    inclusionProof: undefined,
    canonicalizedBody: body,
  };
}

function failed(found: LegacySignatureLayer, reason: string, cause?: unknown): SignError {
  return new SignError('VERIFICATION_FAILED', `${found.source}: ${reason}`, { cause });
}
