import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot as ProtoTrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { describe, expect, it } from 'vitest';

import { dsseBundle, messageSignatureBundle } from '../bundle/index.js';
import { generateSigningKey, keyHint, readPublicKey, signData } from '../keys/index.js';
import {
  blobStatement,
  inTotoPayloadType,
  serializeStatement,
  signEnvelope,
} from '../payload/index.js';
import type { KeyAlgorithm, SigningKey, VerificationKey, VerificationPolicy } from '../types.js';
import { verifyBundle, type BundleArtifact } from './bundle.js';
import { loadTrustedRoot } from './trusted-root.js';

const conformance = join(import.meta.dirname, '../../../test/fixtures/sigstore-conformance');
const cases = join(conformance, 'bundle-verify');
const publicGood = loadTrustedRoot(
  readFileSync(join(conformance, 'public-good-trusted-root.json')),
  'public-good-trusted-root.json',
);
const a = readFileSync(join(cases, 'a.txt'));
const beacon = {
  subject:
    'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
  issuer: 'https://token.actions.githubusercontent.com',
};

function verificationKey(key: SigningKey, source = 'cosign.pub'): VerificationKey {
  return {
    algorithm: key.algorithm,
    publicKey: key.publicKey,
    source,
    hint: keyHint(key.publicKey),
  };
}

function blobBundle(key: SigningKey, data: Buffer): Buffer {
  return messageSignatureBundle({
    digest: createHash('sha256').update(data).digest(),
    signature: signData(key, data),
    key: verificationKey(key),
  });
}

function attestationBundle(key: SigningKey, data: Buffer): Buffer {
  const statement = blobStatement('a.txt', data, 'https://example.com/predicate/v1', { ok: true });
  const envelope = signEnvelope(key, inTotoPayloadType, serializeStatement(statement));
  return dsseBundle({ envelope, key: verificationKey(key) });
}

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a failure');
}

const caseBundle = (name: string): Buffer =>
  readFileSync(join(cases, name, 'bundle.sigstore.json'));
const bytes = (data: Buffer): BundleArtifact => ({ kind: 'bytes', data });
const digestOf = (data: Buffer): BundleArtifact => ({
  kind: 'digest',
  algorithm: 'sha256',
  digest: createHash('sha256').update(data).digest(),
});

describe('verifyBundle with keys', () => {
  const key = generateSigningKey();
  const policy: VerificationPolicy = { keys: [verificationKey(key)] };
  const data = Buffer.from('the artefact\n');

  it('verifies a message-signature bundle made by the bundle builders, by bytes, digest or alone', () => {
    const bundle = blobBundle(key, data);
    for (const artifact of [bytes(data), digestOf(data), { kind: 'none' } as const]) {
      const verified = verifyBundle(bundle, artifact, policy, 'blob.sigstore.json');
      expect(verified.signer).toEqual({ kind: 'key', key: 'cosign.pub' });
      expect(verified.signedAt).toBeUndefined();
      expect(verified.content).toEqual({
        kind: 'message-signature',
        digest: createHash('sha256').update(data).digest(),
      });
    }
  });

  it('verifies DSSE and message-signature bundles of every key algorithm Moat signs with', () => {
    const algorithms: KeyAlgorithm[] = ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'ed25519', 'rsa'];
    for (const algorithm of algorithms) {
      const signer = generateSigningKey(algorithm);
      const verified = verifyBundle(
        attestationBundle(signer, data),
        bytes(data),
        { keys: [verificationKey(signer)] },
        algorithm,
      );
      expect(verified.content.kind).toBe('dsse');
      const message = verifyBundle(
        blobBundle(signer, data),
        bytes(data),
        { keys: [verificationKey(signer)] },
        algorithm,
      );
      expect(message.content.kind).toBe('message-signature');
    }
  });

  it('verifies a DSSE bundle and checks the in-toto subject against the artefact', () => {
    const bundle = attestationBundle(key, data);
    const verified = verifyBundle(bundle, bytes(data), policy, 'att.sigstore.json');
    expect(verified.content).toMatchObject({ kind: 'dsse', payloadType: inTotoPayloadType });
    expect(verifyBundle(bundle, digestOf(data), policy, 'att').content.kind).toBe('dsse');
    const other = failure(() => verifyBundle(bundle, bytes(Buffer.from('other')), policy, 'att'));
    expect(other.code).toBe('VERIFICATION_FAILED');
    expect(other.message).toBe(
      "att: no subject of the in-toto statement has the artefact's digest",
    );
  });

  it('refuses a message signature for another artefact, naming both digests', () => {
    const other = failure(() =>
      verifyBundle(blobBundle(key, data), bytes(Buffer.from('other')), policy, 'blob'),
    );
    expect(other.code).toBe('VERIFICATION_FAILED');
    expect(other.message).toMatch(
      /^blob: the bundle's message digest sha256:[0-9a-f]{64} is not the artefact's sha256:[0-9a-f]{64}$/,
    );
  });

  it('refuses a bundle signed by another key', () => {
    const stranger = generateSigningKey();
    const result = failure(() =>
      verifyBundle(blobBundle(stranger, data), bytes(data), policy, 'blob'),
    );
    expect(result).toMatchObject({
      code: 'VERIFICATION_FAILED',
      message: 'blob: signature does not verify',
    });
  });

  it('tries every key, the hinted one first, and reports the key that verified', () => {
    const others = [generateSigningKey(), generateSigningKey('ed25519')].map((other, index) =>
      verificationKey(other, `other-${index}.pub`),
    );
    const keys = [...others, verificationKey(key, 'mine.pub')];
    const verified = verifyBundle(blobBundle(key, data), bytes(data), { keys }, 'blob');
    expect(verified.signer).toEqual({ kind: 'key', key: 'mine.pub' });
    const unhinted = keys.map((entry) => ({ ...entry, hint: '' }));
    expect(
      verifyBundle(blobBundle(key, data), bytes(data), { keys: unhinted }, 'b').signer,
    ).toEqual({
      kind: 'key',
      key: 'mine.pub',
    });
    const none = failure(() =>
      verifyBundle(blobBundle(key, data), bytes(data), { keys: others }, 'b'),
    );
    expect(none.message).toMatch(/^b: none of the 2 keys verifies the bundle \(other-0\.pub: /);
  });

  it('needs a key for a key-signed bundle', () => {
    const result = failure(() =>
      verifyBundle(blobBundle(key, data), bytes(data), { trustedRoot: publicGood }, 'blob'),
    );
    expect(result.code).toBe('VERIFICATION_FAILED');
    expect(result.message).toMatch(
      /^blob: bundle is signed with a public key \(hint .+\) but no key was given$/,
    );
  });

  it('says that an Ed25519 message signature needs the bytes, not the digest', () => {
    const signer = generateSigningKey('ed25519');
    const bundle = blobBundle(signer, data);
    const keys = [verificationKey(signer)];
    expect(verifyBundle(bundle, bytes(data), { keys }, 'ed').content.kind).toBe(
      'message-signature',
    );
    const result = failure(() => verifyBundle(bundle, digestOf(data), { keys }, 'ed'));
    expect(result.code).toBe('VERIFICATION_FAILED');
    expect(result.message).toContain('Ed25519');
  });

  it('refuses a tampered DSSE payload', () => {
    const json = JSON.parse(attestationBundle(key, data).toString()) as {
      dsseEnvelope: { payload: string };
    };
    const statement = JSON.parse(Buffer.from(json.dsseEnvelope.payload, 'base64').toString()) as {
      predicate: unknown;
    };
    statement.predicate = { ok: false };
    json.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    const result = failure(() =>
      verifyBundle(Buffer.from(JSON.stringify(json)), bytes(data), policy, 'att'),
    );
    expect(result.code).toBe('VERIFICATION_FAILED');
  });

  it('refuses what is not a bundle as SIGNATURE_INVALID', () => {
    for (const junk of ['', '[]', '{"mediaType":"application/json"}', '{']) {
      expect(failure(() => verifyBundle(Buffer.from(junk), bytes(data), policy, 'x')).code).toBe(
        'SIGNATURE_INVALID',
      );
    }
  });

  it('refuses a bundle with more log entries than verification will check', () => {
    const json = JSON.parse(caseBundle('happy-path-v0.3').toString()) as {
      verificationMaterial: { tlogEntries: unknown[] };
    };
    const entry = json.verificationMaterial.tlogEntries[0];
    json.verificationMaterial.tlogEntries = Array.from({ length: 9 }, () => entry);
    const result = failure(() =>
      verifyBundle(
        Buffer.from(JSON.stringify(json)),
        bytes(a),
        { trustedRoot: publicGood, identity: beacon },
        'many',
      ),
    );
    expect(result).toMatchObject({
      code: 'SIGNATURE_INVALID',
      message: 'many: bundle has 9 transparency log entries, over the limit of 8',
    });
  });

  it('verifies the transparency log entries of a key bundle when a trusted root is given', () => {
    const keyPub = readPublicKey(
      readFileSync(join(cases, 'managed-key-happy-path', 'key.pub')),
      'key.pub',
    );
    const bundle = caseBundle('managed-key-happy-path');
    const withRoot = verifyBundle(
      bundle,
      bytes(a),
      { keys: [keyPub], trustedRoot: publicGood },
      'k',
    );
    expect(withRoot.signedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    // Without a root the entries cannot be checked: the signature alone is verified, no time.
    const keyOnly = verifyBundle(bundle, bytes(a), { keys: [keyPub] }, 'k');
    expect(keyOnly.signedAt).toBeUndefined();
  });
});

describe('verifyBundle keyless', () => {
  const policy: VerificationPolicy = { trustedRoot: publicGood, identity: beacon };

  it('verifies a Fulcio-signed bundle and reports the identity and the log time', () => {
    const verified = verifyBundle(caseBundle('happy-path-v0.3'), bytes(a), policy, 'b');
    expect(verified.signer).toMatchObject({ kind: 'certificate', ...beacon });
    expect(verified.signer.kind === 'certificate' && verified.signer.certificate).toMatch(
      /^-----BEGIN CERTIFICATE-----\n/,
    );
    expect(verified.signedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  });

  it('accepts an unanchored RE2 subject pattern, as cosign does', () => {
    const identity = {
      subjectRegExp: 'extremely-dangerous-oidc-beacon',
      issuerRegExp: 'githubusercontent',
    };
    const verified = verifyBundle(
      caseBundle('happy-path-v0.3'),
      bytes(a),
      { trustedRoot: publicGood, identity },
      'b',
    );
    expect(verified.signer.kind).toBe('certificate');
  });

  it('refuses another identity or issuer, naming what the certificate holds', () => {
    const wrongSubject = failure(() =>
      verifyBundle(
        caseBundle('happy-path-v0.3'),
        bytes(a),
        {
          trustedRoot: publicGood,
          identity: { ...beacon, subject: 'someone@example.com' },
        },
        'b',
      ),
    );
    expect(wrongSubject.code).toBe('VERIFICATION_FAILED');
    expect(wrongSubject.message).toContain(
      'b: identity mismatch: expected subject "someone@example.com"',
    );
    const wrongIssuer = failure(() =>
      verifyBundle(
        caseBundle('happy-path-v0.3'),
        bytes(a),
        {
          trustedRoot: publicGood,
          identity: { subject: beacon.subject, issuerRegExp: '^https://accounts\\.google\\.com$' },
        },
        'b',
      ),
    );
    expect(wrongIssuer.message).toContain(
      'expected issuer "^https://accounts\\\\.google\\\\.com$"',
    );
  });

  it('needs a trusted root and an identity policy for a certificate-signed bundle', () => {
    const noRoot = failure(() =>
      verifyBundle(caseBundle('happy-path-v0.3'), bytes(a), { identity: beacon }, 'b'),
    );
    expect(noRoot).toMatchObject({ code: 'VERIFICATION_FAILED' });
    expect(noRoot.message).toContain('needs a trusted root');
    const noIdentity = failure(() =>
      verifyBundle(caseBundle('happy-path-v0.3'), bytes(a), { trustedRoot: publicGood }, 'b'),
    );
    expect(noIdentity.code).toBe('USAGE');
  });

  it('refuses a transparency log entry made for another artefact (CVE-2022-36056)', () => {
    // The entry of one signature, spliced into the bundle of another.
    const good = JSON.parse(caseBundle('happy-path-v0.3').toString()) as {
      verificationMaterial: { tlogEntries: unknown[] };
    };
    const foreign = JSON.parse(caseBundle('happy-path-intoto-in-dsse-v3').toString()) as {
      verificationMaterial: { tlogEntries: unknown[] };
    };
    good.verificationMaterial.tlogEntries = foreign.verificationMaterial.tlogEntries;
    const result = failure(() =>
      verifyBundle(Buffer.from(JSON.stringify(good)), bytes(a), policy, 'spliced'),
    );
    // Here the foreign entry's time also falls outside the certificate's validity; the
    // conformance cases wrong-hashedrekord-entry_fail and intoto-log-entry-mismatch_fail
    // isolate the body check itself.
    expect(result.code).toBe('VERIFICATION_FAILED');
  });
});

describe('interop with @sigstore/verify', () => {
  it('verifies bundles made by the bundle builders with @sigstore/verify directly', () => {
    const key = generateSigningKey();
    const data = Buffer.from('interop');
    const emptyRoot = ProtoTrustedRoot.fromJSON({
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    });
    const material = toTrustMaterial(emptyRoot, (hint) => {
      expect(hint).toBe(keyHint(key.publicKey));
      return { publicKey: key.publicKey, validFor: () => true };
    });
    const verifier = new Verifier(material, {
      tlogThreshold: 0,
      ctlogThreshold: 0,
      timestampThreshold: 0,
    });
    for (const bundle of [blobBundle(key, data), attestationBundle(key, data)]) {
      const parsed = bundleFromJSON(JSON.parse(bundle.toString()));
      const signer = verifier.verify(toSignedEntity(parsed, data));
      expect(signer.key.equals(key.publicKey)).toBe(true);
      expect(
        verifyBundle(bundle, bytes(data), { keys: [verificationKey(key)] }, 'b').signer,
      ).toEqual({ kind: 'key', key: 'cosign.pub' });
    }
  });
});
