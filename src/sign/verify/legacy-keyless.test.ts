/**
 * Keyless legacy layers, built from real Sigstore public-good signatures (the conformance suite's
 * bundles, `test/fixtures/sigstore-conformance`) the way cosign stores them in a `.sig` / `.att`
 * layer: certificate and chain PEM annotations and the Rekor entry as cosign's RekorBundle JSON.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, test } from 'vitest';

import { SignError } from '../../errors.js';
import { legacyKeylessBundle } from '../bundle/from-legacy.js';
import { parseBundle } from '../bundle/parse.js';
import { imageWith } from '../payload/__fixtures__/test-keys.js';
import type { LegacySignatureLayer, VerificationPolicy } from '../types.js';
import { verifyLegacy } from './legacy.js';
import { loadTrustedRoot } from './trusted-root.js';

const cases = join(import.meta.dirname, '../../../test/fixtures/sigstore-conformance');
const trustedRoot = loadTrustedRoot(
  readFileSync(join(cases, 'public-good-trusted-root.json')),
  'public-good-trusted-root.json',
);
const identity = {
  subject:
    'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
  issuer: 'https://token.actions.githubusercontent.com',
};
const policy: VerificationPolicy = { trustedRoot, identity };
const aTxt = readFileSync(join(cases, 'bundle-verify/a.txt'));
const aTxtDigest = 'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf';

interface ConformanceBundle {
  verificationMaterial: {
    timestampVerificationData?: { rfc3161Timestamps: { signedTimestamp: string }[] };
    x509CertificateChain?: { certificates: { rawBytes: string }[] };
    certificate?: { rawBytes: string };
    tlogEntries: {
      logIndex: string;
      logId: { keyId: string };
      integratedTime: string;
      inclusionPromise: { signedEntryTimestamp: string };
      canonicalizedBody: string;
    }[];
  };
  messageSignature?: { signature: string };
  dsseEnvelope?: { payload: string; payloadType: string; signatures: { sig: string }[] };
}

function caseBundle(name: string): ConformanceBundle {
  return JSON.parse(
    readFileSync(join(cases, 'bundle-verify', name, 'bundle.sigstore.json'), 'utf8'),
  ) as ConformanceBundle;
}

function pem(der: string): string {
  return `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The legacy layer cosign would have written for the signature in `bundle`. */
function legacyLayerFrom(bundle: ConformanceBundle, payload: Buffer): LegacySignatureLayer {
  const material = bundle.verificationMaterial;
  const certificates = material.x509CertificateChain?.certificates ?? [material.certificate!];
  const entry = material.tlogEntries[0]!;
  const rekorBundle = JSON.stringify({
    SignedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp,
    Payload: {
      body: entry.canonicalizedBody,
      integratedTime: Number(entry.integratedTime),
      logIndex: Number(entry.logIndex),
      logID: Buffer.from(entry.logId.keyId, 'base64').toString('hex'),
    },
  });
  const isAttestation = bundle.dsseEnvelope !== undefined;
  const signature = bundle.messageSignature?.signature ?? '';
  const annotations = {
    'dev.cosignproject.cosign/signature': signature,
    'dev.sigstore.cosign/certificate': pem(certificates[0]!.rawBytes),
    'dev.sigstore.cosign/bundle': rekorBundle,
  };
  return {
    format: 'legacy',
    kind: isAttestation ? 'attestation' : 'signature',
    source: `registry/app:sha256-x.${isAttestation ? 'att' : 'sig'} layer 1`,
    mediaType: isAttestation
      ? 'application/vnd.dsse.envelope.v1+json'
      : 'application/vnd.dev.cosign.simplesigning.v1+json',
    payload: isAttestation ? Buffer.from(JSON.stringify(bundle.dsseEnvelope)) : payload,
    signature,
    certificate: annotations['dev.sigstore.cosign/certificate'],
    chain: certificates
      .slice(1)
      .map((cert) => pem(cert.rawBytes))
      .join(''),
    rekorBundle,
    ...(material.timestampVerificationData === undefined
      ? {}
      : {
          timestamp: JSON.stringify({
            SignedRFC3161Timestamp:
              material.timestampVerificationData.rfc3161Timestamps[0]!.signedTimestamp,
          }),
        }),
    annotations,
  };
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

describe('keyless legacy attestation (.att layer with certificate and Rekor bundle)', () => {
  const layer = legacyLayerFrom(caseBundle('happy-path-intoto-in-dsse-v3'), Buffer.alloc(0));

  test('is rewritten as a v0.1 bundle that @sigstore/bundle accepts', () => {
    const bundle = parseBundle(legacyKeylessBundle(layer), 'b');
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle+json;version=0.1');
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
  });

  test('verifies offline against the trusted root and identity, with the log time', () => {
    const verified = verifyLegacy(layer, imageWith(aTxtDigest), policy);
    expect(verified.signer).toMatchObject({ kind: 'certificate', ...identity });
    expect(verified.signedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(verified.payload).toMatchObject({ predicateType: 'https://slsa.dev/provenance/v1' });
  });

  test('verifies when the chain annotation ends with the Fulcio root, as cosign writes it', () => {
    const root = JSON.parse(readFileSync(join(cases, 'public-good-trusted-root.json'), 'utf8')) as {
      certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
    };
    const fulcio = root.certificateAuthorities.at(-1)!.certChain.certificates;
    const withRoot = { ...layer, chain: fulcio.map((cert) => pem(cert.rawBytes)).join('') };
    expect(verifyLegacy(withRoot, imageWith(aTxtDigest), policy).kind).toBe('attestation');
  });

  test('fails for an image its subject does not name', () => {
    expect(failure(() => verifyLegacy(layer, imageWith(`sha256:${'b'.repeat(64)}`), policy))).toBe(
      `attestation is for ${aTxtDigest}, not sha256:${'b'.repeat(64)}`,
    );
  });

  test('fails for another identity', () => {
    const other = { trustedRoot, identity: { ...identity, subject: 'someone@example.com' } };
    expect(failure(() => verifyLegacy(layer, imageWith(aTxtDigest), other))).toContain(
      'identity mismatch',
    );
  });

  test('fails without a trusted root', () => {
    expect(failure(() => verifyLegacy(layer, imageWith(aTxtDigest), { identity }))).toContain(
      'needs a trusted root',
    );
  });

  test('fails when the Rekor bundle is missing', () => {
    const { rekorBundle: _dropped, ...withoutRekor } = layer;
    expect(failure(() => verifyLegacy(withoutRekor, imageWith(aTxtDigest), policy))).toContain(
      'no Rekor bundle annotation',
    );
  });
});

describe('keyless legacy signature (.sig layer with certificate and Rekor bundle)', () => {
  const bundle = caseBundle('happy-path-v0.1');

  test('the certificate, log entry and signature verify; a non-simple-signing payload then fails', () => {
    // The conformance signature covers a.txt, not a simple-signing payload: everything up to the
    // payload check passes, which is what this case can show.
    expect(
      failure(() => verifyLegacy(legacyLayerFrom(bundle, aTxt), imageWith(aTxtDigest), policy)),
    ).toContain('signature payload is not JSON');
  });

  test('an altered payload fails before the payload is read', () => {
    const layer = legacyLayerFrom(bundle, Buffer.from('{"critical":{}}'));
    const reason = failure(() => verifyLegacy(layer, imageWith(aTxtDigest), policy));
    expect(reason).not.toContain('simple-signing');
  });

  test("a Rekor bundle annotation that is not cosign's JSON fails", () => {
    const layer = { ...legacyLayerFrom(bundle, aTxt), rekorBundle: '{"Payload":1}' };
    expect(failure(() => verifyLegacy(layer, imageWith(aTxtDigest), policy))).toContain(
      "not cosign's RekorBundle JSON",
    );
  });
});

describe('keyless legacy attestation with an RFC 3161 timestamp annotation', () => {
  const name = 'intoto-with-custom-trust-root';
  const root = loadTrustedRoot(
    readFileSync(join(cases, 'bundle-verify', name, 'trusted_root.json')),
    'trusted_root.json',
  );
  const layer = legacyLayerFrom(caseBundle(name), Buffer.alloc(0));
  const digest = 'sha256:330a043220fa13e01d68a7db39c89e12b0c4c3b6a0346fe624b0903f1303b5b2';

  // cosign stamps an attestation layer's whole payload, not its signature, which a bundle's
  // timestamp cannot express: the annotation is checked for shape and left out of the bundle.
  test('leaves the timestamp out of the bundle and verifies by the signed entry timestamp', () => {
    expect(layer.timestamp).toBeDefined();
    const bundle = parseBundle(legacyKeylessBundle(layer), 'b');
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? []).toEqual(
      [],
    );
    const verified = verifyLegacy(layer, imageWith(digest), { trustedRoot: root, identity });
    expect(verified.kind).toBe('attestation');
  });

  test("fails when the timestamp annotation is not cosign's JSON", () => {
    const broken = { ...layer, timestamp: '{"SignedRFC3161Timestamp":5}' };
    expect(
      failure(() => verifyLegacy(broken, imageWith(digest), { trustedRoot: root, identity })),
    ).toContain("not cosign's RFC3161Timestamp JSON");
  });
});
