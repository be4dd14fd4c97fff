/**
 * DSSE (Dead Simple Signing Envelope, secure-systems-lab/dsse `protocol.md`, `envelope.md`): the
 * pre-authentication encoding that is actually signed, envelopes signed with a Moat key, strict
 * parsing of envelopes others wrote, and verification of an envelope against trusted keys.
 */
import { z } from 'zod';

import { SignError } from '../../errors.js';
import { parseBoundedJson } from './bounded-json.js';
import { signData, verifyData } from '../keys/index.js';
import type { DsseEnvelope, SigningKey, VerificationKey } from '../types.js';
import { decodeBase64Strict } from './base64.js';
import { payloadLimits } from './limits.js';

/** The DSSE payload type of in-toto statements. */
export const inTotoPayloadType = 'application/vnd.in-toto+json';

/** The layer media type of a legacy attestation (`.att` tag): the envelope JSON. */
export const dsseEnvelopeMediaType = 'application/vnd.dsse.envelope.v1+json';

/**
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, with LEN the ASCII decimal
 * byte length (of the UTF-8 type).
 *
 * @example
 * pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString()
 * // 'DSSEv1 29 http://example.com/HelloWorld 11 hello world'
 */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'ascii'),
    type,
    Buffer.from(` ${payload.length} `, 'ascii'),
    payload,
  ]);
}

/** Signs `payload` as a one-signature envelope (no `keyid`, as cosign writes it). */
export function signEnvelope(key: SigningKey, payloadType: string, payload: Buffer): DsseEnvelope {
  const sig = signData(key, pae(payloadType, payload));
  return {
    payloadType,
    payload: payload.toString('base64'),
    signatures: [{ sig: sig.toString('base64') }],
  };
}

/**
 * The envelope JSON as cosign 3 stores it in a legacy `.att` layer: Go's `encoding/json` over the
 * protobuf-specs `dsse.Envelope` struct, so `payload`, `payloadType`, `signatures` in that order
 * and `keyid` only when set.
 */
export function serializeEnvelope(envelope: DsseEnvelope): Buffer {
  const signatures = envelope.signatures.map((signature) =>
    signature.keyid === undefined || signature.keyid === ''
      ? { sig: signature.sig }
      : { sig: signature.sig, keyid: signature.keyid },
  );
  return Buffer.from(
    JSON.stringify({ payload: envelope.payload, payloadType: envelope.payloadType, signatures }),
    'utf8',
  );
}

const envelopeSchema = z.object({
  payloadType: z.string(),
  payload: z.string(),
  signatures: z
    .array(z.object({ keyid: z.string().optional(), sig: z.string() }))
    .min(1)
    .max(payloadLimits.maxEnvelopeSignatures),
});

/**
 * Parses a DSSE envelope (JSON): bounded, at most `maxEnvelopeSignatures` signatures, `payload`
 * and every `sig` canonical base64. `SIGNATURE_INVALID` otherwise.
 */
export function parseEnvelope(bytes: Buffer, source: string): DsseEnvelope {
  const { data: envelope } = parseBoundedJson(bytes, source, {
    what: 'DSSE envelope',
    shape: 'DSSE envelope',
    maxBytes: payloadLimits.maxEnvelopeBytes,
    schema: envelopeSchema,
  });
  if (decodeBase64Strict(envelope.payload) === undefined) {
    throw new SignError('SIGNATURE_INVALID', `${source}: DSSE payload is not valid base64`);
  }
  envelope.signatures.forEach((signature, index) => {
    if (decodeBase64Strict(signature.sig) === undefined) {
      throw new SignError(
        'SIGNATURE_INVALID',
        `${source}: DSSE signature ${index + 1} is not valid base64`,
      );
    }
  });
  return envelope;
}

/** The decoded payload of a parsed envelope. */
export function envelopePayload(envelope: DsseEnvelope): Buffer {
  const payload = decodeBase64Strict(envelope.payload);
  if (payload === undefined) {
    throw new SignError('SIGNATURE_INVALID', 'DSSE payload is not valid base64');
  }
  return payload;
}

/** An envelope signature that verified: which key, and the payload it covers. */
export interface VerifiedEnvelope {
  key: VerificationKey;
  payloadType: string;
  payload: Buffer;
}

/**
 * Verifies an envelope against trusted keys: the first (signature, key) pair whose signature over
 * PAE(payloadType, payload) verifies wins. Returns undefined when none does (`keyid` is an
 * unauthenticated hint and is not used).
 */
export function verifyEnvelope(
  envelope: DsseEnvelope,
  keys: readonly VerificationKey[],
): VerifiedEnvelope | undefined {
  const payload = envelopePayload(envelope);
  const message = pae(envelope.payloadType, payload);
  for (const signature of envelope.signatures) {
    const sig = decodeBase64Strict(signature.sig);
    if (sig === undefined) continue;
    const key = keys.find((candidate) => verifyData(candidate, message, sig));
    if (key !== undefined) return { key, payloadType: envelope.payloadType, payload };
  }
  return undefined;
}
