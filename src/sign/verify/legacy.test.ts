import { describe, expect, test } from 'vitest';

import { SignError } from '../../errors.js';
import { signData } from '../keys/index.js';
import { digestA, digestB, imageWith, keyPair } from '../payload/__fixtures__/test-keys.js';
import {
  dsseEnvelopeMediaType,
  inTotoPayloadType,
  serializeEnvelope,
  signEnvelope,
} from '../payload/dsse.js';
import { imageStatement, serializeStatement } from '../payload/intoto.js';
import { simpleSigningMediaType, simpleSigningPayload } from '../payload/simple-signing.js';
import type { LegacySignatureLayer, SigningKey, VerificationPolicy } from '../types.js';
import { verifyLegacy } from './legacy.js';

const image = imageWith(digestA);

function signatureLayer(
  payload: Buffer,
  signature: string,
  extra: Partial<LegacySignatureLayer> = {},
): LegacySignatureLayer {
  return {
    format: 'legacy',
    kind: 'signature',
    source: '127.0.0.1:5000/library/app:sha256-aaaa.sig layer 1',
    mediaType: simpleSigningMediaType,
    payload,
    signature,
    annotations: { 'dev.cosignproject.cosign/signature': signature },
    ...extra,
  };
}

function signedLayer(key: SigningKey, digest = digestA, annotations?: Record<string, string>) {
  const payload = simpleSigningPayload(imageWith(digest), annotations);
  return signatureLayer(payload, signData(key, payload).toString('base64'));
}

function attestationLayer(envelope: Buffer): LegacySignatureLayer {
  return {
    format: 'legacy',
    kind: 'attestation',
    source: '127.0.0.1:5000/library/app:sha256-aaaa.att layer 1',
    mediaType: dsseEnvelopeMediaType,
    payload: envelope,
    signature: '',
    annotations: {
      predicateType: 'https://cyclonedx.org/bom',
      'dev.cosignproject.cosign/signature': '',
    },
  };
}

function attestedLayer(key: SigningKey, digest = digestA, payloadType = inTotoPayloadType) {
  const statement = serializeStatement(
    imageStatement(imageWith(digest), 'https://cyclonedx.org/bom', { bomFormat: 'CycloneDX' }),
  );
  return attestationLayer(serializeEnvelope(signEnvelope(key, payloadType, statement)));
}

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SignError);
    expect((error as SignError).code).toBe('VERIFICATION_FAILED');
    return (error as SignError).message;
  }
  throw new Error('expected VERIFICATION_FAILED');
}

describe('verifyLegacy: signatures', () => {
  const { signing, verification } = keyPair();
  const policy: VerificationPolicy = { keys: [verification] };

  test('a signature by the key over the image digest verifies', () => {
    const verified = verifyLegacy(signedLayer(signing, digestA, { env: 'prod' }), image, policy);
    expect(verified).toMatchObject({
      format: 'legacy',
      kind: 'signature',
      signer: { kind: 'key', key: 'cosign.pub' },
      annotations: { env: 'prod' },
    });
  });

  test('names the key that verified among several', () => {
    const other = keyPair('ed25519', 'other.pub');
    const verified = verifyLegacy(signedLayer(other.signing), image, {
      keys: [verification, other.verification],
    });
    expect(verified.signer).toEqual({ kind: 'key', key: 'other.pub' });
  });

  test('a wrong key fails', () => {
    expect(failure(() => verifyLegacy(signedLayer(keyPair().signing), image, policy))).toBe(
      'signature does not verify with cosign.pub',
    );
  });

  test('a payload for another digest fails, naming both digests', () => {
    expect(failure(() => verifyLegacy(signedLayer(signing, digestB), image, policy))).toBe(
      `signature is for ${digestB}, not ${digestA}`,
    );
  });

  test('a different docker-reference is not a failure (cosign does not compare it)', () => {
    const payload = simpleSigningPayload({ ...image, dockerReference: 'elsewhere.io/app' });
    const layer = signatureLayer(payload, signData(signing, payload).toString('base64'));
    expect(verifyLegacy(layer, image, policy).kind).toBe('signature');
  });

  test('an altered payload fails', () => {
    const layer = signedLayer(signing);
    const altered = Buffer.from(
      layer.payload.toString().replace('"optional":null', '"optional":{}'),
    );
    expect(failure(() => verifyLegacy({ ...layer, payload: altered }, image, policy))).toBe(
      'signature does not verify with cosign.pub',
    );
  });

  test('a truncated signature fails', () => {
    const layer = signedLayer(signing);
    const signature = Buffer.from(layer.signature, 'base64');
    const truncated = signature.subarray(0, signature.length - 2).toString('base64');
    expect(failure(() => verifyLegacy({ ...layer, signature: truncated }, image, policy))).toBe(
      'signature does not verify with cosign.pub',
    );
  });

  test('a signature re-encoded with stray characters fails instead of decoding leniently', () => {
    const layer = signedLayer(signing);
    const reencoded = `${layer.signature.slice(0, 8)}\n${layer.signature.slice(8)}`;
    expect(failure(() => verifyLegacy({ ...layer, signature: reencoded }, image, policy))).toBe(
      'the signature annotation is not valid base64',
    );
  });

  test('a signature re-encoded as base64 of its base64 fails', () => {
    const layer = signedLayer(signing);
    const doubled = Buffer.from(layer.signature).toString('base64');
    expect(failure(() => verifyLegacy({ ...layer, signature: doubled }, image, policy))).toBe(
      'signature does not verify with cosign.pub',
    );
  });

  test('a missing signature annotation fails', () => {
    expect(
      failure(() => verifyLegacy({ ...signedLayer(signing), signature: '' }, image, policy)),
    ).toBe('the layer has no signature annotation');
  });

  test('a signed payload that is not a simple-signing payload fails', () => {
    const payload = Buffer.from('{"critical":{}}');
    const layer = signatureLayer(payload, signData(signing, payload).toString('base64'));
    expect(failure(() => verifyLegacy(layer, image, policy))).toContain(
      'not a simple-signing payload',
    );
  });

  test('a keyless signature without keys fails with the reason', () => {
    const layer = signatureLayer(Buffer.from('{}'), 'AAAA', {
      certificate: '-----BEGIN CERTIFICATE-----',
    });
    expect(failure(() => verifyLegacy(layer, image, {}))).toContain('needs a trusted root');
  });

  test('a huge payload fails without being verified', () => {
    const layer = signatureLayer(Buffer.alloc(1024 * 1024, 0x20), 'AAAA');
    expect(failure(() => verifyLegacy(layer, image, policy))).toContain('over the');
  });
});

describe('verifyLegacy: attestations', () => {
  const { signing, verification } = keyPair();
  const policy: VerificationPolicy = { keys: [verification] };

  test('an attestation by the key about the image verifies and returns the statement', () => {
    const verified = verifyLegacy(attestedLayer(signing), image, policy);
    expect(verified).toMatchObject({
      kind: 'attestation',
      signer: { kind: 'key', key: 'cosign.pub' },
      payload: {
        predicateType: 'https://cyclonedx.org/bom',
        predicate: { bomFormat: 'CycloneDX' },
      },
    });
  });

  test("reports only signed annotations, never the layer's", () => {
    expect(verifyLegacy(attestedLayer(signing), image, policy).annotations).toEqual({});
  });

  test('an attestation with a mismatching subject fails', () => {
    expect(failure(() => verifyLegacy(attestedLayer(signing, digestB), image, policy))).toBe(
      `attestation is for ${digestB}, not ${digestA}`,
    );
  });

  test('an attestation by another key fails', () => {
    expect(failure(() => verifyLegacy(attestedLayer(keyPair().signing), image, policy))).toBe(
      'attestation signature does not verify with cosign.pub',
    );
  });

  test('an envelope of another payload type fails', () => {
    expect(
      failure(() => verifyLegacy(attestedLayer(signing, digestA, 'text/plain'), image, policy)),
    ).toBe('attestation payload type is "text/plain", not application/vnd.in-toto+json');
  });

  test('an envelope whose statement was swapped fails', () => {
    const layer = attestedLayer(signing);
    const envelope = JSON.parse(layer.payload.toString()) as Record<string, unknown>;
    const other = serializeStatement(
      imageStatement(image, 'https://cyclonedx.org/bom', { evil: true }),
    );
    const swapped = Buffer.from(JSON.stringify({ ...envelope, payload: other.toString('base64') }));
    expect(failure(() => verifyLegacy({ ...layer, payload: swapped }, image, policy))).toBe(
      'attestation signature does not verify with cosign.pub',
    );
  });

  test('a layer that is not an envelope fails', () => {
    expect(
      failure(() => verifyLegacy(attestationLayer(Buffer.from('not json')), image, policy)),
    ).toContain('DSSE envelope is not JSON');
  });
});
