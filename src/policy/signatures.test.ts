/**
 * requireSignatures through gatherSignatures: every verification of a rule (its keys, then each
 * keyless identity) is asked of the signature source; a signature counts for a rule only when
 * its signer is one of the rule's; a source that cannot be read makes the rule an error, which
 * denies, never a silent "unsigned".
 */
import { join } from 'node:path';

import { describe, expect, test } from 'vitest';

import { parsePolicy } from './compile.js';
import { evaluatePolicy } from './evaluate.js';
import { gatherSignatures } from './signatures.js';
import { inputWith, policyYaml } from './__fixtures__/policy-input.js';
import type { SignatureSource } from './types.js';
import type { VerificationPolicy, VerifiedSignature } from '../sign/types.js';

const trustedRoot = join(
  process.cwd(),
  'test/fixtures/sigstore-conformance/bundle-verify/rekor2-dsse-happy-path/trusted_root.json',
);

function signedBy(subject: string, issuer: string, source = `sig-${subject}`): VerifiedSignature {
  return {
    format: 'bundle',
    kind: 'signature',
    source,
    signer: { kind: 'certificate', subject, issuer, certificate: '' },
    payload: { _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'x' },
    annotations: {},
  };
}

const keylessRule = `- name: keyless
  requireSignatures:
    trustedRoot: ${trustedRoot}
    keyless:
      - {subject: release@example.com, issuer: https://accounts.example.com}
      - {subjectRegExp: '^https://github\\.com/example/.*$', issuer: https://token.actions.githubusercontent.com}`;

describe('keyless requirements', () => {
  test('a signature by one of the identities counts; one by anybody else does not', async () => {
    const policy = await parsePolicy(policyYaml(keylessRule), 'policy.yaml', { allowFiles: true });
    const decide = async (signature: VerifiedSignature) =>
      (await evaluatePolicy(policy, inputWith({ signatures: [signature] }))).results[0]?.outcome;
    expect(await decide(signedBy('release@example.com', 'https://accounts.example.com'))).toBe(
      'pass',
    );
    expect(
      await decide(
        signedBy(
          'https://github.com/example/app/.github/workflows/release.yml@refs/heads/main',
          'https://token.actions.githubusercontent.com',
        ),
      ),
    ).toBe('pass');
    expect(await decide(signedBy('release@example.com', 'https://evil.example'))).toBe('fail');
    expect(await decide(signedBy('mallory@example.com', 'https://accounts.example.com'))).toBe(
      'fail',
    );
  });

  test('gatherSignatures asks the source once per identity, and once per attestation type', async () => {
    const text = keylessRule.replace(
      'requireSignatures:',
      'requireSignatures:\n    attestations: [{type: cyclonedx}, {type: slsaprovenance}]',
    );
    const policy = await parsePolicy(policyYaml(text), 'policy.yaml', { allowFiles: true });
    const asked: string[] = [];
    const source: SignatureSource = {
      verifySignatures(verification: VerificationPolicy) {
        asked.push(
          `signatures ${verification.identity?.subject ?? verification.identity?.subjectRegExp}`,
        );
        return Promise.resolve([signedBy('release@example.com', 'https://accounts.example.com')]);
      },
      verifyAttestations(verification: VerificationPolicy, type: string) {
        asked.push(
          `${type} ${verification.identity?.subject ?? verification.identity?.subjectRegExp}`,
        );
        return Promise.resolve([]);
      },
    };
    const gathered = await gatherSignatures(policy, source);
    expect(asked).toEqual([
      'signatures release@example.com',
      'cyclonedx release@example.com',
      'slsaprovenance release@example.com',
      'signatures ^https://github\\.com/example/.*$',
      'cyclonedx ^https://github\\.com/example/.*$',
      'slsaprovenance ^https://github\\.com/example/.*$',
    ]);
    // The same stored signature found under two identities is one signature.
    expect(gathered.signatures).toHaveLength(1);
    expect(gathered.errors.size).toBe(0);
    const decision = await evaluatePolicy(policy, { ...inputWith(), ...gathered });
    expect(decision.results[0]?.message).toBe(
      '0 verified cyclonedx attestations by a trusted signer, 1 required',
    );
  });
});

describe('attribution', () => {
  test('a signature counts only for the rules whose own verification accepted it', async () => {
    const otherRoot = join(
      process.cwd(),
      'test/fixtures/sigstore-conformance/bundle-verify/bundle-with-sct-with-extensions/trusted_root.json',
    );
    const identity = '{subject: release@example.com, issuer: https://accounts.example.com}';
    const rules = [
      `- name: root-a\n  requireSignatures: {trustedRoot: ${trustedRoot}, keyless: [${identity}]}`,
      `- name: root-b\n  requireSignatures: {trustedRoot: ${otherRoot}, keyless: [${identity}]}`,
    ].join('\n');
    const policy = await parsePolicy(policyYaml(rules), 'policy.yaml', { allowFiles: true });
    const rootA = policy.verifications.get('root-a')?.trustedRoot;
    // Same identity under both rules, but only root A's verification accepts the signature.
    const source: SignatureSource = {
      verifySignatures: (verification) =>
        Promise.resolve(
          verification.trustedRoot === rootA
            ? [signedBy('release@example.com', 'https://accounts.example.com')]
            : [],
        ),
      verifyAttestations: () => Promise.resolve([]),
    };
    const gathered = await gatherSignatures(policy, source);
    const decision = await evaluatePolicy(policy, { ...inputWith(), ...gathered });
    expect(decision.results.map((r) => [r.rule, r.outcome])).toEqual([
      ['root-a', 'pass'],
      ['root-b', 'fail'],
    ]);
  });
});

describe('unreadable signatures', () => {
  test('a source that fails makes the rule an error that denies, naming why', async () => {
    const policy = await parsePolicy(policyYaml(keylessRule), 'policy.yaml', { allowFiles: true });
    const down: SignatureSource = {
      verifySignatures: () => Promise.reject(new Error('registry 127.0.0.1:1 is unreachable')),
      verifyAttestations: () => Promise.resolve([]),
    };
    const gathered = await gatherSignatures(policy, down);
    expect([...gathered.errors]).toEqual([
      ['keyless', 'cannot verify signatures: registry 127.0.0.1:1 is unreachable'],
    ]);
    const decision = await evaluatePolicy(policy, { ...inputWith(), ...gathered }, gathered);
    expect(decision.allowed).toBe(false);
    expect(decision.results[0]).toMatchObject({ outcome: 'error' });
  });
});

describe('inline material', () => {
  test('a stored policy carries its trusted root inline as JSON', async () => {
    const { readFile } = await import('node:fs/promises');
    const json = JSON.stringify(JSON.parse(await readFile(trustedRoot, 'utf8')));
    const policy = await parsePolicy(
      policyYaml(
        `- name: keyless\n  requireSignatures:\n    trustedRoot: '${json}'\n    keyless: [{subject: a@example.com, issuer: https://i.example}]`,
      ),
      'projects/app/policy',
    );
    expect(policy.verifications.get('keyless')?.identity).toEqual({
      subject: 'a@example.com',
      issuer: 'https://i.example',
    });
  });

  test('a key that is not a key names the rule and key', async () => {
    const error = await parsePolicy(
      policyYaml(
        "- name: signed\n  requireSignatures: {keys: ['-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----']}",
      ),
      'projects/app/policy',
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^projects\/app\/policy:8: spec\.rules\[0\]\.requireSignatures\.keys\[0\]: /,
    );
  });

  test('an attestation type that is neither a cosign name nor a URI is refused by key', async () => {
    const error = await parsePolicy(
      policyYaml(
        `${keylessRule.replace('requireSignatures:', 'requireSignatures:\n    attestations: [{type: sbom please}]')}`,
      ),
      'policy.yaml',
      { allowFiles: true },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^policy\.yaml:\d+: spec\.rules\[0\]\.requireSignatures\.attestations\[0\]\.type: invalid predicate type "sbom please"/,
    );
  });
});
