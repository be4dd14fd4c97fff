import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { pem } from '@sigstore/core';
import { describe, expect, it } from 'vitest';

import type { LegacySignatureLayer, VerificationPolicy } from '../types.js';
import { verifyLegacyCertificate } from './legacy-keyless.js';
import { loadTrustedRoot } from './trusted-root.js';

const conformance = join(import.meta.dirname, '../../../test/fixtures/sigstore-conformance');
const cases = join(conformance, 'bundle-verify');
const policy: VerificationPolicy = {
  trustedRoot: loadTrustedRoot(
    readFileSync(join(conformance, 'public-good-trusted-root.json')),
    'public-good-trusted-root.json',
  ),
  identity: {
    subject:
      'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
    issuer: 'https://token.actions.githubusercontent.com',
  },
};

interface SerializedBundle {
  verificationMaterial: {
    certificate?: { rawBytes: string };
    x509CertificateChain?: { certificates: { rawBytes: string }[] };
    tlogEntries: {
      logIndex: string;
      logId: { keyId: string };
      integratedTime: string;
      inclusionPromise: { signedEntryTimestamp: string };
      canonicalizedBody: string;
    }[];
  };
  messageSignature?: { signature: string };
  dsseEnvelope?: { payloadType: string; payload: string; signatures: { sig: string }[] };
}

/**
 * The legacy layer cosign would have written for a conformance case's signature: the same
 * certificate, signature and Rekor entry, in the annotations' shapes (cosign
 * `pkg/cosign/bundle/rekor.go`).
 */
function legacyLayerFrom(name: string): LegacySignatureLayer {
  const bundle = JSON.parse(
    readFileSync(join(cases, name, 'bundle.sigstore.json'), 'utf8'),
  ) as SerializedBundle;
  const material = bundle.verificationMaterial;
  const certificate =
    material.certificate?.rawBytes ?? material.x509CertificateChain?.certificates[0]?.rawBytes;
  const entry = material.tlogEntries[0];
  if (!certificate || !entry) throw new Error(`${name}: not a keyless bundle with a tlog entry`);
  const rekorBundle = JSON.stringify({
    SignedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp,
    Payload: {
      body: entry.canonicalizedBody,
      integratedTime: Number(entry.integratedTime),
      logIndex: Number(entry.logIndex),
      logID: Buffer.from(entry.logId.keyId, 'base64').toString('hex'),
    },
  });
  const common = {
    format: 'legacy' as const,
    source: `${name} as a legacy layer`,
    certificate: pem.fromDER(Buffer.from(certificate, 'base64')),
    rekorBundle,
    annotations: {},
  };
  if (bundle.dsseEnvelope) {
    return {
      ...common,
      kind: 'attestation',
      mediaType: 'application/vnd.dsse.envelope.v1+json',
      payload: Buffer.from(JSON.stringify(bundle.dsseEnvelope)),
      signature: '',
    };
  }
  return {
    ...common,
    kind: 'signature',
    mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
    payload: readFileSync(join(cases, 'a.txt')),
    signature: bundle.messageSignature?.signature ?? '',
  };
}

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a failure');
}

describe('verifyLegacyCertificate', () => {
  it('verifies a keyless signature layer: certificate, Rekor SET, hashedrekord entry, identity', () => {
    const verified = verifyLegacyCertificate(legacyLayerFrom('happy-path-v0.1'), policy);
    expect(verified.signer).toMatchObject({
      kind: 'certificate',
      subject: policy.identity?.subject,
      issuer: policy.identity?.issuer,
    });
    expect(verified.signedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  });

  it('verifies a keyless attestation layer (DSSE envelope, dsse entry)', () => {
    const verified = verifyLegacyCertificate(
      legacyLayerFrom('happy-path-intoto-in-dsse-v3'),
      policy,
    );
    expect(verified.signer.kind).toBe('certificate');
  });

  it('refuses a layer whose bytes are not what was signed and logged', () => {
    const layer = { ...legacyLayerFrom('happy-path-v0.1'), payload: Buffer.from('other bytes') };
    expect(failure(() => verifyLegacyCertificate(layer, policy))).toMatchObject({
      code: 'VERIFICATION_FAILED',
    });
  });

  it("refuses a Rekor entry of another signature (the entry must be this layer's)", () => {
    const layer = legacyLayerFrom('happy-path-v0.1');
    const other = legacyLayerFrom('happy-path-v0.3');
    const result = failure(() =>
      verifyLegacyCertificate({ ...layer, rekorBundle: other.rekorBundle }, policy),
    );
    expect(result.code).toBe('VERIFICATION_FAILED');
  });

  it('refuses a forged SignedEntryTimestamp', () => {
    const layer = legacyLayerFrom('happy-path-v0.1');
    const rekor = JSON.parse(layer.rekorBundle ?? '{}') as { Payload: { integratedTime: number } };
    rekor.Payload.integratedTime += 1;
    const result = failure(() =>
      verifyLegacyCertificate({ ...layer, rekorBundle: JSON.stringify(rekor) }, policy),
    );
    expect(result).toMatchObject({ code: 'VERIFICATION_FAILED' });
    expect(result.message).toContain('inclusion promise (SET) does not verify');
  });

  it('refuses another identity', () => {
    const result = failure(() =>
      verifyLegacyCertificate(legacyLayerFrom('happy-path-v0.1'), {
        ...policy,
        identity: { subject: 'someone@example.com', issuer: 'https://accounts.google.com' },
      }),
    );
    expect(result.message).toContain('identity mismatch');
  });

  it('refuses a certificate without a Rekor bundle, and malformed annotations', () => {
    const layer = legacyLayerFrom('happy-path-v0.1');
    const { rekorBundle: _, ...withoutRekor } = layer;
    expect(failure(() => verifyLegacyCertificate(withoutRekor, policy)).message).toContain(
      'no Rekor bundle',
    );
    for (const rekorBundle of ['{', '{}', '{"SignedEntryTimestamp":"!!","Payload":{}}']) {
      expect(failure(() => verifyLegacyCertificate({ ...layer, rekorBundle }, policy)).code).toBe(
        'VERIFICATION_FAILED',
      );
    }
    expect(
      failure(() => verifyLegacyCertificate({ ...layer, certificate: 'not pem' }, policy)).code,
    ).toBe('VERIFICATION_FAILED');
  });

  it('needs a trusted root', () => {
    const result = failure(() =>
      verifyLegacyCertificate(legacyLayerFrom('happy-path-v0.1'), { identity: policy.identity }),
    );
    expect(result.message).toContain('needs a trusted root');
  });
});
