import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, test } from 'vitest';

import { SignError } from '../../errors.js';
import type { DsseEnvelope, VerificationKey } from '../types.js';
import { keyPair } from './__fixtures__/test-keys.js';
import { decodeBase64Strict } from './base64.js';
import {
  envelopePayload,
  inTotoPayloadType,
  pae,
  parseEnvelope,
  serializeEnvelope,
  signEnvelope,
  verifyEnvelope,
} from './dsse.js';
import { payloadLimits } from './limits.js';

interface Vector {
  id: string;
  envelope: DsseEnvelope;
  trustedKeys: string[];
  threshold: number;
  supportedPayloadTypes: string[];
  pae: string;
  expect: 'accept' | 'reject';
}

const vectors = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/dsse-vectors/vectors.json', import.meta.url),
    'utf8',
  ),
) as { keys: Record<string, { seed: string; public: string }>; vectors: Vector[] };

// RFC 8032 Ed25519 keys from their 32-byte seeds (PKCS#8 prefix for Ed25519 private keys).
function vectorKey(name: string): VerificationKey {
  const { seed } = vectors.keys[name]!;
  const privateKey = createPrivateKey({
    key: Buffer.concat([
      Buffer.from('302e020100300506032b657004220420', 'hex'),
      Buffer.from(seed, 'hex'),
    ]),
    format: 'der',
    type: 'pkcs8',
  });
  return { algorithm: 'ed25519', publicKey: createPublicKey(privateKey), source: name, hint: name };
}

function signError(run: () => unknown): SignError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SignError);
    return error as SignError;
  }
  throw new Error('expected a SignError');
}

/** A DSSE verifier as the vectors describe one: threshold of unique keys, supported types. */
function acceptsVector(vector: Vector): boolean {
  const envelope = parseEnvelope(Buffer.from(JSON.stringify(vector.envelope)), vector.id);
  const keys = vector.trustedKeys.map(vectorKey);
  const accepted = new Set<string>();
  for (const signature of envelope.signatures) {
    const verified = verifyEnvelope({ ...envelope, signatures: [signature] }, keys);
    if (verified !== undefined) accepted.add(verified.key.source);
  }
  return (
    accepted.size >= vector.threshold && vector.supportedPayloadTypes.includes(envelope.payloadType)
  );
}

describe('pae', () => {
  test('encodes the DSSE protocol example', () => {
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });

  // In payload-type-swapped, `pae` is what the signature covers (the original type), not the
  // envelope's: that vector is checked by the verification tests below.
  test.each(
    vectors.vectors
      .filter((vector) => vector.id !== 'payload-type-swapped')
      .map((vector) => [vector.id, vector] as const),
  )('matches the PAE of DSSE vector %s', (_id, vector) => {
    const payload = decodeBase64Strict(vector.envelope.payload)!;
    expect(pae(vector.envelope.payloadType, payload).toString('hex')).toBe(vector.pae);
  });

  test('the DSSE protocol example signature (ECDSA P-256, r||s) verifies over our PAE', () => {
    const coordinate = (decimal: string) =>
      Buffer.from(BigInt(decimal).toString(16).padStart(64, '0'), 'hex').toString('base64url');
    const publicKey = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: coordinate(
          '46950820868899156662930047687818585632848591499744589407958293238635476079160',
        ),
        y: coordinate(
          '5640078356564379163099075877009565129882514886557779369047442380624545832820',
        ),
      },
      format: 'jwk',
    });
    const sig = Buffer.from(
      'A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA==',
      'base64',
    );
    const message = pae('http://example.com/HelloWorld', Buffer.from('hello world'));
    expect(nodeVerify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig)).toBe(
      true,
    );
  });
});

describe('DSSE test vectors', () => {
  test.each(vectors.vectors.map((vector) => [vector.id, vector.expect, vector] as const))(
    '%s: %s',
    (_id, expected, vector) => {
      expect(acceptsVector(vector)).toBe(expected === 'accept');
    },
  );
});

describe('signEnvelope and verifyEnvelope', () => {
  test('an envelope Moat signs verifies with its key and returns the payload', () => {
    const { signing, verification } = keyPair();
    const envelope = signEnvelope(signing, inTotoPayloadType, Buffer.from('{"a":1}'));
    const verified = verifyEnvelope(parseEnvelope(serializeEnvelope(envelope), 't'), [
      verification,
    ]);
    expect(verified?.key).toBe(verification);
    expect(verified?.payload.toString()).toBe('{"a":1}');
  });

  test('openssl verifies the signature over the PAE of the envelope it reads back', async () => {
    const { signing } = keyPair();
    const envelope = parseEnvelope(
      serializeEnvelope(signEnvelope(signing, inTotoPayloadType, Buffer.from('{"_type":"x"}'))),
      't',
    );
    const dir = await mkdtemp(join(tmpdir(), 'moat-dsse-'));
    try {
      // The PAE rebuilt by hand from the spec, independently of pae().
      const body = Buffer.from(envelope.payload, 'base64');
      const message = Buffer.concat([
        Buffer.from(`DSSEv1 ${inTotoPayloadType.length} ${inTotoPayloadType} ${body.length} `),
        body,
      ]);
      await writeFile(join(dir, 'pae.bin'), message);
      await writeFile(join(dir, 'sig.der'), Buffer.from(envelope.signatures[0]!.sig, 'base64'));
      await writeFile(
        join(dir, 'pub.pem'),
        signing.publicKey.export({ type: 'spki', format: 'pem' }),
      );
      const { stdout } = await promisify(execFile)('openssl', [
        'dgst',
        '-sha256',
        '-verify',
        join(dir, 'pub.pem'),
        '-signature',
        join(dir, 'sig.der'),
        join(dir, 'pae.bin'),
      ]);
      expect(stdout.trim()).toBe('Verified OK');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('names the key that verified among several', () => {
    const first = keyPair('ecdsa-p256', 'first.pub');
    const second = keyPair('ed25519', 'second.pub');
    const envelope = signEnvelope(second.signing, inTotoPayloadType, Buffer.from('x'));
    expect(verifyEnvelope(envelope, [first.verification, second.verification])?.key.source).toBe(
      'second.pub',
    );
  });

  test('does not verify with a wrong key', () => {
    const envelope = signEnvelope(keyPair().signing, inTotoPayloadType, Buffer.from('x'));
    expect(verifyEnvelope(envelope, [keyPair().verification])).toBeUndefined();
  });

  test('does not verify when the payload type was changed', () => {
    const { signing, verification } = keyPair();
    const envelope = signEnvelope(signing, inTotoPayloadType, Buffer.from('x'));
    expect(
      verifyEnvelope({ ...envelope, payloadType: 'text/plain' }, [verification]),
    ).toBeUndefined();
  });

  test('does not verify a truncated signature', () => {
    const { signing, verification } = keyPair();
    const envelope = signEnvelope(signing, inTotoPayloadType, Buffer.from('x'));
    const sig = Buffer.from(envelope.signatures[0]!.sig, 'base64');
    const truncated = {
      ...envelope,
      signatures: [{ sig: sig.subarray(0, sig.length - 1).toString('base64') }],
    };
    expect(verifyEnvelope(truncated, [verification])).toBeUndefined();
  });

  test('does not verify a signature re-encoded from DER to r||s', () => {
    const { signing, verification } = keyPair();
    const payload = Buffer.from('x');
    const envelope = signEnvelope(signing, inTotoPayloadType, payload);
    const der = Buffer.from(envelope.signatures[0]!.sig, 'base64');
    const rLength = der[3]!;
    const r = der.subarray(4, 4 + rLength);
    const s = der.subarray(6 + rLength);
    const raw = Buffer.concat(
      [r.subarray(r.length - 32), s.subarray(s.length - 32)].map((part) =>
        Buffer.concat([Buffer.alloc(32 - part.length), part]),
      ),
    );
    expect(
      verifyEnvelope({ ...envelope, signatures: [{ sig: raw.toString('base64') }] }, [
        verification,
      ]),
    ).toBeUndefined();
  });

  test('serializes as cosign 3 stores a legacy attestation layer', () => {
    const envelope: DsseEnvelope = {
      payloadType: inTotoPayloadType,
      payload: 'e30=',
      signatures: [{ sig: 'AAAA', keyid: '' }],
    };
    expect(serializeEnvelope(envelope).toString()).toBe(
      '{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AAAA"}]}',
    );
  });
});

describe('parseEnvelope', () => {
  const good = {
    payloadType: inTotoPayloadType,
    payload: 'e30=',
    signatures: [{ keyid: '', sig: 'AAAA' }],
  };

  test('reads the go-securesystemslib layout cosign 2 wrote (keyid "")', () => {
    const envelope = parseEnvelope(Buffer.from(JSON.stringify(good)), 't');
    expect(envelopePayload(envelope).toString()).toBe('{}');
  });

  test.each([
    ['trailing bits set', 'AAB='],
    ['a character outside the alphabet', 'AA*A'],
    ['whitespace inside', 'AA AA'],
    ['mixed alphabets', 'A+_A'],
    ['too much padding', 'AA==='],
  ])('rejects a signature whose base64 has %s', (_what, sig) => {
    const bytes = Buffer.from(JSON.stringify({ ...good, signatures: [{ sig }] }));
    const error = signError(() => parseEnvelope(bytes, 'layer 1'));
    expect(error.code).toBe('SIGNATURE_INVALID');
    expect(error.message).toBe('layer 1: DSSE signature 1 is not valid base64');
  });

  test('rejects a payload that is not canonical base64', () => {
    const bytes = Buffer.from(JSON.stringify({ ...good, payload: 'e31=' }));
    expect(signError(() => parseEnvelope(bytes, 't')).message).toBe(
      't: DSSE payload is not valid base64',
    );
  });

  test('rejects an envelope without signatures', () => {
    const bytes = Buffer.from(JSON.stringify({ ...good, signatures: [] }));
    expect(signError(() => parseEnvelope(bytes, 't')).message).toContain('at signatures');
  });

  test('rejects more signatures than the limit', () => {
    const signatures = Array.from({ length: payloadLimits.maxEnvelopeSignatures + 1 }, () => ({
      sig: 'AAAA',
    }));
    const bytes = Buffer.from(JSON.stringify({ ...good, signatures }));
    expect(signError(() => parseEnvelope(bytes, 't')).code).toBe('SIGNATURE_INVALID');
  });

  test('rejects malformed JSON', () => {
    expect(signError(() => parseEnvelope(Buffer.from('{"payload":'), 't')).message).toBe(
      't: DSSE envelope is not JSON',
    );
  });

  test('rejects a huge envelope before parsing it', () => {
    const huge = Buffer.alloc(payloadLimits.maxEnvelopeBytes + 1, 0x20);
    expect(signError(() => parseEnvelope(huge, 't')).message).toContain('over the');
  });
});
