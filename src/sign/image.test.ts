/**
 * Signing, attesting and verifying images against Moat's own registry (in-process): both storage
 * formats round-trip, and every tampering — another image under the signed tag, a signature or
 * attestation about another digest, the wrong key — is rejected with a reason, never verified.
 */
import { readFile } from 'node:fs/promises';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { encodePublicKey, generateSigningKey, readPublicKey } from './keys/index.js';
import {
  appendLegacy,
  readBundleReferrers,
  readLegacy,
  resolveImage,
  writeBundleReferrer,
} from './oci/index.js';
import { pushBlob, pushManifest, sha256 } from '../../test/conformance/registry-harness.js';
import { startSigningRegistry, type SigningRegistry } from './__fixtures__/image-registry.js';
import { attestImage, signImage } from './image.js';
import { loadTrustedRootFile } from './verify/trusted-root.js';
import { verifyImage, verifyImageAttestations } from './image-verify.js';
import type { SigningKey, VerificationPolicy, VerificationResult } from './types.js';

let registry: SigningRegistry;
const key = generateSigningKey();
const policyOf = (signer: SigningKey): VerificationPolicy => ({
  keys: [readPublicKey(Buffer.from(encodePublicKey(signer.publicKey)), 'cosign.pub')],
});
const policy = policyOf(key);
const sbom = Buffer.from(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6' }));

beforeAll(async () => {
  registry = await startSigningRegistry();
});
afterAll(async () => {
  await registry.close();
});

/** A fresh image in its own repository; resolves to its tag reference and digest reference. */
async function image(name: string): Promise<{ tag: string; digest: string; at: string }> {
  const digest = await registry.push(`signing/${name}`, 'v1');
  return {
    tag: `${registry.host}/signing/${name}:v1`,
    digest,
    at: `${registry.host}/signing/${name}@${digest}`,
  };
}

const options = () => ({ key, access: registry.access });

/** Exactly one rejection, of this format and kind, whose reason names `digest`. */
function expectOneRejection(
  result: VerificationResult,
  what: { format: 'bundle' | 'legacy'; kind: 'signature' | 'attestation' },
  digest: string,
): void {
  expect(result.rejected).toHaveLength(1);
  expect(result.rejected[0]).toMatchObject(what);
  expect(result.rejected[0]?.reason).toContain(digest);
}

describe('signing an image', () => {
  test.each(['bundle', 'legacy'] as const)(
    'a %s signature verifies with the key',
    async (format) => {
      const target = await image(`roundtrip-${format}`);
      const signed = await signImage(target.at, { ...options(), format });
      expect(signed.image.digest).toBe(target.digest);
      const result = await verifyImage(target.tag, policy, { access: registry.access });
      expect(result.digest).toBe(target.digest);
      expect(result.rejected).toEqual([]);
      expect(result.verified).toHaveLength(1);
      expect(result.verified[0]).toMatchObject({ format, kind: 'signature' });
    },
  );

  test('bundle is the default format, stored as a referrer of the image', async () => {
    const target = await image('default-format');
    const signed = await signImage(target.at, options());
    expect(signed.stored).toMatch(/@sha256:[0-9a-f]{64}$/);
    const { client, image: resolved } = await resolveImage(target.at, registry.access);
    const referrers = await readBundleReferrers(client, resolved);
    expect(referrers.map((r) => r.kind)).toEqual(['signature']);
    expect(referrers[0]?.annotations).toMatchObject({
      'dev.sigstore.bundle.content': 'dsse-envelope',
      'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1',
    });
  });

  test('a tag is resolved to its digest with a warning; a digest without one', async () => {
    const target = await image('tag-warning');
    const warnings: string[] = [];
    await signImage(target.tag, { ...options(), onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringContaining(`signing the digest ${target.digest}`)]);
    warnings.length = 0;
    await signImage(target.at, { ...options(), onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
  });

  test.each(['bundle', 'legacy'] as const)(
    'annotations are signed and reported (%s)',
    async (format) => {
      const target = await image(`annotations-${format}`);
      await signImage(target.at, { ...options(), format, annotations: { env: 'prod' } });
      const result = await verifyImage(target.at, policy, { access: registry.access });
      expect(result.verified[0]?.annotations).toEqual({ env: 'prod' });
    },
  );

  test('signing twice with the same key stores one legacy signature (cosign’s dupe detection)', async () => {
    const target = await image('dedup');
    await signImage(target.at, { ...options(), format: 'legacy' });
    await signImage(target.at, { ...options(), format: 'legacy' });
    const { client, image: resolved } = await resolveImage(target.at, registry.access);
    expect(await readLegacy(client, resolved, 'signature')).toHaveLength(1);
  });

  test('legacy signatures are appended, not replaced, and both formats are read', async () => {
    const target = await image('append');
    const other = generateSigningKey();
    await signImage(target.at, { ...options(), format: 'legacy' });
    await signImage(target.at, { key: other, access: registry.access, format: 'legacy' });
    await signImage(target.at, { ...options(), format: 'bundle' });
    const { client, image: resolved } = await resolveImage(target.at, registry.access);
    expect(await readLegacy(client, resolved, 'signature')).toHaveLength(2);
    const both = await verifyImage(
      target.at,
      { keys: [...policy.keys!, ...policyOf(other).keys!] },
      {
        access: registry.access,
      },
    );
    expect(both.verified.map((v) => v.format).sort()).toEqual(['bundle', 'legacy', 'legacy']);
    const one = await verifyImage(target.at, policy, { access: registry.access });
    expect(one.verified).toHaveLength(2);
    expect(one.rejected).toHaveLength(1);
  });
});

describe('verification rejects, with a reason', () => {
  test('a hostile .sig manifest is one rejection; the bundle signature still verifies', async () => {
    const target = await image('hostile-sig');
    await signImage(target.at, options());
    const blob = Buffer.from('{}');
    await pushBlob(registry.registry, 'signing/hostile-sig', {
      content: blob,
      digest: sha256(blob),
    });
    const descriptor = {
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
      digest: sha256(blob),
      size: 2,
    };
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { ...descriptor, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: Array.from({ length: 1001 }, () => descriptor),
      }),
    );
    const tag = `${target.digest.replace(':', '-')}.sig`;
    expect(
      (await pushManifest(registry.registry, 'signing/hostile-sig', tag, manifest)).status,
    ).toBe(201);
    const result = await verifyImage(target.at, policy, { access: registry.access });
    expect(result.verified.map((v) => v.format)).toEqual(['bundle']);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]).toMatchObject({ format: 'legacy', kind: 'signature' });
  });

  test.each(['bundle', 'legacy'] as const)('a signature by another key (%s)', async (format) => {
    const target = await image(`wrong-key-${format}`);
    await signImage(target.at, { key: generateSigningKey(), access: registry.access, format });
    const result = await verifyImage(target.at, policy, { access: registry.access });
    expect(result.verified).toEqual([]);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]).toMatchObject({ format, kind: 'signature' });
    expect(result.rejected[0]?.reason).not.toBe('');
  });

  test('an altered or re-encoded legacy layer is rejected; the intact one still verifies', async () => {
    const target = await image('altered-legacy');
    await signImage(target.at, { ...options(), format: 'legacy' });
    const { client, image: resolved } = await resolveImage(target.at, registry.access);
    const [layer] = await readLegacy(client, resolved, 'signature');
    const signature = layer!.annotations['dev.cosignproject.cosign/signature'] ?? '';
    // The same JSON with a space more, signed by nobody.
    await appendLegacy(client, resolved, 'signature', {
      mediaType: layer!.mediaType,
      payload: Buffer.concat([layer!.payload, Buffer.from(' ')]),
      annotations: { 'dev.cosignproject.cosign/signature': signature },
    });
    // The signature truncated.
    await appendLegacy(client, resolved, 'signature', {
      mediaType: layer!.mediaType,
      payload: layer!.payload,
      annotations: { 'dev.cosignproject.cosign/signature': signature.slice(0, -8) },
    });
    const result = await verifyImage(target.at, policy, { access: registry.access });
    expect(result.verified).toHaveLength(1);
    expect(result.rejected).toHaveLength(2);
    expect(result.rejected.map((r) => r.format)).toEqual(['legacy', 'legacy']);
  });

  test('another image pushed under the signed tag has no signature', async () => {
    const target = await image('retag');
    await signImage(target.tag, { ...options(), format: 'legacy' });
    await signImage(target.tag, { ...options(), format: 'bundle' });
    const replacement = await registry.push('signing/retag', 'v1', 'the replacement');
    const result = await verifyImage(target.tag, policy, { access: registry.access });
    expect(result.digest).toBe(replacement);
    expect(result.verified).toEqual([]);
  });

  test('a legacy signature copied from another image names the other digest', async () => {
    const target = await image('copied-legacy');
    await signImage(target.at, { ...options(), format: 'legacy' });
    const a = await resolveImage(target.at, registry.access);
    const [layer] = await readLegacy(a.client, a.image, 'signature');
    const otherDigest = await registry.push('signing/copied-legacy', 'other', 'copy target');
    const otherAt = `${registry.host}/signing/copied-legacy@${otherDigest}`;
    const other = await resolveImage(otherAt, registry.access);
    await appendLegacy(other.client, other.image, 'signature', {
      mediaType: layer!.mediaType,
      payload: layer!.payload,
      annotations: layer!.annotations,
    });
    const result = await verifyImage(otherAt, policy, { access: registry.access });
    expect(result.verified).toEqual([]);
    expectOneRejection(result, { format: 'legacy', kind: 'signature' }, target.digest);
  });

  test('a bundle copied from another image names the other digest', async () => {
    const target = await image('copied-bundle');
    await signImage(target.at, options());
    const a = await resolveImage(target.at, registry.access);
    const [found] = await readBundleReferrers(a.client, a.image);
    const otherDigest = await registry.push('signing/copied-bundle', 'other', 'copy target');
    const other = await resolveImage(
      `${registry.host}/signing/copied-bundle@${otherDigest}`,
      registry.access,
    );
    await writeBundleReferrer(other.client, other.image, found!.bundle, found!.annotations);
    const result = await verifyImage(`${other.image.dockerReference}@${otherDigest}`, policy, {
      access: registry.access,
    });
    expect(result.verified).toEqual([]);
    expectOneRejection(result, { format: 'bundle', kind: 'signature' }, target.digest);
  });

  test.each(['bundle', 'legacy'] as const)(
    'an attestation whose subject is another image (%s)',
    async (format) => {
      const target = await image(`att-subject-${format}`);
      await attestImage(target.at, { ...options(), format, predicate: sbom, type: 'cyclonedx' });
      const a = await resolveImage(target.at, registry.access);
      const otherDigest = await registry.push(`signing/att-subject-${format}`, 'other', 'copy');
      const other = await resolveImage(
        `${registry.host}/signing/att-subject-${format}@${otherDigest}`,
        registry.access,
      );
      if (format === 'legacy') {
        const [layer] = await readLegacy(a.client, a.image, 'attestation');
        await appendLegacy(other.client, other.image, 'attestation', {
          mediaType: layer!.mediaType,
          payload: layer!.payload,
          annotations: layer!.annotations,
        });
      } else {
        const [found] = await readBundleReferrers(a.client, a.image);
        await writeBundleReferrer(other.client, other.image, found!.bundle, found!.annotations);
      }
      const result = await verifyImageAttestations(
        `${registry.host}/signing/att-subject-${format}@${otherDigest}`,
        policy,
        { access: registry.access },
      );
      expect(result.verified).toEqual([]);
      expectOneRejection(result, { format, kind: 'attestation' }, target.digest);
    },
  );
});

describe('attestations', () => {
  test.each(['bundle', 'legacy'] as const)(
    'an attestation verifies and is found by its type (%s)',
    async (format) => {
      const target = await image(`attest-${format}`);
      await attestImage(target.tag, { ...options(), format, predicate: sbom, type: 'cyclonedx' });
      const all = await verifyImageAttestations(target.tag, policy, { access: registry.access });
      expect(all.verified).toHaveLength(1);
      expect(all.verified[0]?.payload).toMatchObject({
        predicateType: 'https://cyclonedx.org/bom',
        predicate: { bomFormat: 'CycloneDX' },
      });
      const typed = await verifyImageAttestations(target.tag, policy, {
        type: 'cyclonedx',
        access: registry.access,
      });
      expect(typed.verified).toHaveLength(1);
      const other = await verifyImageAttestations(target.tag, policy, {
        type: 'spdxjson',
        access: registry.access,
      });
      expect(other.verified).toEqual([]);
    },
  );

  test('signatures and attestations are kept apart', async () => {
    const target = await image('apart');
    await attestImage(target.at, { ...options(), predicate: sbom, type: 'cyclonedx' });
    expect((await verifyImage(target.at, policy, { access: registry.access })).verified).toEqual(
      [],
    );
    await signImage(target.at, options());
    const attestations = await verifyImageAttestations(target.at, policy, {
      access: registry.access,
    });
    expect(attestations.verified.map((v) => v.kind)).toEqual(['attestation']);
  });

  test('a predicate that is not JSON is refused for a JSON type', async () => {
    const target = await image('bad-predicate');
    await expect(
      attestImage(target.at, {
        ...options(),
        predicate: Buffer.from('not json'),
        type: 'cyclonedx',
      }),
    ).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('keyless verification of an image, offline', () => {
  const conformance = 'test/fixtures/sigstore-conformance';
  const identity =
    'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';

  test('a trusted root without an identity policy is the caller’s error, not a rejection', async () => {
    const target = await image('keyless-no-identity');
    await signImage(target.at, options());
    const trustedRoot = await loadTrustedRootFile(`${conformance}/public-good-trusted-root.json`);
    await expect(
      verifyImage(target.at, { trustedRoot }, { access: registry.access }),
    ).rejects.toMatchObject({ code: 'USAGE' });
  });

  test('a Fulcio-certified attestation about another artefact is rejected for its subject', async () => {
    const target = await image('keyless');
    const bundle = await readFile(
      `${conformance}/bundle-verify/happy-path-intoto-in-dsse-v3/bundle.sigstore.json`,
    );
    const { client, image: resolved } = await resolveImage(target.at, registry.access);
    await writeBundleReferrer(client, resolved, bundle, {
      'dev.sigstore.bundle.content': 'dsse-envelope',
      'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1',
    });
    const keyless: VerificationPolicy = {
      trustedRoot: await loadTrustedRootFile(`${conformance}/public-good-trusted-root.json`),
      identity: { subject: identity, issuer: 'https://token.actions.githubusercontent.com' },
    };
    const result = await verifyImageAttestations(target.at, keyless, { access: registry.access });
    expect(result.verified).toEqual([]);
    expect(result.rejected).toHaveLength(1);
    // The certificate, log entry and identity checked out; the statement is about a.txt.
    expect(result.rejected[0]?.reason).toContain(
      'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf',
    );
    const stranger = await verifyImageAttestations(
      target.at,
      { ...keyless, identity: { subject: 'someone@example.com', issuer: 'https://example.com' } },
      { access: registry.access },
    );
    expect(stranger.verified).toEqual([]);
    expect(stranger.rejected[0]?.reason).not.toContain('a0cfc712');
  });
});
