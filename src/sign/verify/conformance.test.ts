/**
 * The Sigstore conformance suite's offline bundle-verification cases
 * (`test/fixtures/sigstore-conformance/`), run the way its harness runs a client
 * (`test/client.py` BundleMaterials.from_dir, `test/conftest.py` verify_bundle): each case once
 * with the artefact's bytes and once with its sha256 digest; `key.pub` means key-based, else
 * keyless with the `identity` / `issuer` files or the beacon workflow defaults; `trusted_root.json`
 * or else the public-good production root. A `_fail` case must fail, every other must verify.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { isMoatError } from '../../errors.js';
import { readPublicKey } from '../keys/index.js';
import type { VerificationPolicy } from '../types.js';
import { verifyBundle, type BundleArtifact } from './bundle.js';
import { loadTrustedRoot } from './trusted-root.js';

const fixtures = join(import.meta.dirname, '../../../test/fixtures/sigstore-conformance');
const casesDir = join(fixtures, 'bundle-verify');

const defaultIdentity =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const defaultIssuer = 'https://token.actions.githubusercontent.com';

/** Cases that cannot be run offline, with the reason (none so far). */
const unreachable: Record<string, string> = {};

/** How each case failed, for the table in the README (printed when MOAT_CONFORMANCE_TABLE=1). */
const outcomes: string[] = [];

function caseNames(): string[] {
  return readdirSync(casesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function optionalText(dir: string, name: string): string | undefined {
  const path = join(dir, name);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

function materials(name: string): {
  bundle: Buffer;
  artifact: Buffer;
  policy: VerificationPolicy;
} {
  const dir = join(casesDir, name);
  const rootPath = existsSync(join(dir, 'trusted_root.json'))
    ? join(dir, 'trusted_root.json')
    : join(fixtures, 'public-good-trusted-root.json');
  const trustedRoot = loadTrustedRoot(readFileSync(rootPath), rootPath);
  const artifactPath = existsSync(join(dir, 'artifact'))
    ? join(dir, 'artifact')
    : join(casesDir, 'a.txt');
  const policy: VerificationPolicy = existsSync(join(dir, 'key.pub'))
    ? { keys: [readPublicKey(readFileSync(join(dir, 'key.pub')), 'key.pub')], trustedRoot }
    : {
        trustedRoot,
        identity: {
          subject: optionalText(dir, 'identity') ?? defaultIdentity,
          issuer: optionalText(dir, 'issuer') ?? defaultIssuer,
        },
      };
  return {
    bundle: readFileSync(join(dir, 'bundle.sigstore.json')),
    artifact: readFileSync(artifactPath),
    policy,
  };
}

function run(name: string, mode: 'bytes' | 'digest'): void {
  const { bundle, artifact, policy } = materials(name);
  const given: BundleArtifact =
    mode === 'bytes'
      ? { kind: 'bytes', data: artifact }
      : {
          kind: 'digest',
          algorithm: 'sha256',
          digest: createHash('sha256').update(artifact).digest(),
        };
  verifyBundle(bundle, given, policy, `${name}/bundle.sigstore.json`);
}

describe('Sigstore conformance: bundle-verify', () => {
  it('has the cases and the production trusted root', () => {
    expect(caseNames().length).toBeGreaterThanOrEqual(70);
    expect(existsSync(join(fixtures, 'public-good-trusted-root.json'))).toBe(true);
  });

  for (const name of caseNames()) {
    const shouldFail = name.endsWith('_fail');
    for (const mode of ['bytes', 'digest'] as const) {
      const title = `${name} (${mode}) ${shouldFail ? 'fails' : 'verifies'}`;
      const reason = unreachable[name];
      if (reason !== undefined) {
        it.skip(`${title} — unreachable: ${reason}`, () => {});
        continue;
      }
      it(title, () => {
        if (!shouldFail) {
          run(name, mode);
          return;
        }
        let failure: unknown;
        try {
          run(name, mode);
        } catch (error) {
          failure = error;
        }
        expect(failure, 'a _fail case verified').toBeDefined();
        expect(isMoatError(failure), String(failure)).toBe(true);
        const { code, message } = failure as { code: string; message: string };
        // A client fails a case at whichever step refuses: the bundle, the key, the trusted
        // root (`trust-root-tlog-missing-validity-start_fail`) or the verification.
        expect([
          'VERIFICATION_FAILED',
          'SIGNATURE_INVALID',
          'KEY_INVALID',
          'TRUSTED_ROOT_INVALID',
        ]).toContain(code);
        expect(message).not.toContain('\n');
        outcomes.push(`${name} (${mode}): ${code} ${message}`);
        if (process.env['MOAT_CONFORMANCE_TABLE'] === '1') console.log(outcomes.at(-1));
      });
    }
  }
});
