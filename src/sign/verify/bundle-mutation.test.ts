/**
 * Hostile bundles: any field of a real bundle replaced by any JSON value must end in a Moat error
 * (SIGNATURE_INVALID, VERIFICATION_FAILED, …), never a TypeError from deep inside a library.
 * Some fields are not covered by any signature and may change without effect: the inclusion
 * proof's `treeSize` / `rootHash` (the signed checkpoint's values are the ones used), a Rekor v2
 * entry's `logId` and `logIndex` (the checkpoint's key hint and the proof's index are used), an
 * unspecified digest algorithm (SHA-256); for a key-signed bundle the key hint, and the log
 * entries and timestamps, which it may drop (none is required). Which mutations still verify is listed with
 * `MOAT_SHOW_VERIFIED=1`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { isMoatError } from '../../errors.js';
import { readPublicKey } from '../keys/index.js';
import type { VerificationPolicy } from '../types.js';
import { verifyBundle } from './bundle.js';
import { loadTrustedRoot } from './trusted-root.js';

const conformance = join(import.meta.dirname, '../../../test/fixtures/sigstore-conformance');
const cases = join(conformance, 'bundle-verify');
const artefact = readFileSync(join(cases, 'a.txt'));
const policy: VerificationPolicy = {
  trustedRoot: loadTrustedRoot(
    readFileSync(join(conformance, 'public-good-trusted-root.json')),
    'public-good-trusted-root.json',
  ),
  identity: {
    subjectRegExp: '.*',
    issuerRegExp: '.*',
  },
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value inside `value`. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const here = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) {
    return here.concat(value.flatMap((item, index) => paths(item, [...prefix, index])));
  }
  if (value !== null && typeof value === 'object') {
    return here.concat(
      Object.entries(value).flatMap(([key, item]) => paths(item, [...prefix, key])),
    );
  }
  return here;
}

function replaced(value: Json, path: (string | number)[], replacement: Json): Json {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    return value.map((item, index) => (index === head ? replaced(item, rest, replacement) : item));
  }
  if (value !== null && typeof value === 'object' && typeof head === 'string') {
    return { ...value, [head]: replaced(value[head] ?? null, rest, replacement) };
  }
  return value;
}

describe('verifyBundle on mutated bundles', () => {
  const names = [
    'happy-path-v0.3',
    'happy-path-intoto-in-dsse-v3',
    'rekor2-happy-path',
    'managed-key-happy-path',
  ];
  for (const name of names) {
    it(`${name}: any field replaced by any JSON value fails with a Moat error`, () => {
      const bundle = JSON.parse(
        readFileSync(join(cases, name, 'bundle.sigstore.json'), 'utf8'),
      ) as Json;
      const rootPath = join(cases, name, 'trusted_root.json');
      const caseRoot = name.startsWith('rekor2')
        ? loadTrustedRoot(readFileSync(rootPath), rootPath)
        : policy.trustedRoot;
      const all = paths(bundle);
      const junk = fc.oneof(
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.constantFrom('', 'AAAA', '-1', '0', 'hashedrekord', '0.0.2', '==='),
        fc.string(),
        fc.constant<Json>([]),
        fc.constant<Json>({}),
      );
      fc.assert(
        fc.property(fc.integer({ min: 0, max: all.length - 1 }), junk, (index, value) => {
          const path = all[index] ?? [];
          const mutated = replaced(bundle, path, value);
          if (JSON.stringify(mutated) === JSON.stringify(bundle)) return;
          let failure: unknown;
          try {
            verifyBundle(
              Buffer.from(JSON.stringify(mutated)),
              {
                kind: 'digest',
                algorithm: 'sha256',
                digest: createHash('sha256').update(artefact).digest(),
              },
              name.startsWith('managed-key')
                ? {
                    keys: [readPublicKey(readFileSync(join(cases, name, 'key.pub')), 'key.pub')],
                    trustedRoot: caseRoot,
                  }
                : { ...policy, trustedRoot: caseRoot },
              name,
            );
          } catch (error) {
            failure = error;
          }
          if (failure === undefined && process.env['MOAT_SHOW_VERIFIED'] === '1') {
            console.log('verified', name, path.join('.'), JSON.stringify(value));
          }
          if (failure !== undefined) {
            expect(
              isMoatError(failure),
              `${path.join('.')}: ${(failure as Error).stack ?? ''}`,
            ).toBe(true);
          }
        }),
        { numRuns: 300, seed: 12 },
      );
    });
  }
});

describe('loadTrustedRoot and verifyBundle on mutated trusted roots', () => {
  it('any field of the public-good root replaced by any JSON value: a Moat error or a root that works', () => {
    const rootJson = JSON.parse(
      readFileSync(join(conformance, 'public-good-trusted-root.json'), 'utf8'),
    ) as Json;
    const bundle = readFileSync(join(cases, 'happy-path-v0.3', 'bundle.sigstore.json'));
    const all = paths(rootJson);
    const junk = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.constantFrom('', 'AAAA', '2099-01-01T00:00:00Z', 'PKIX_ED25519', '==='),
      fc.string(),
      fc.constant<Json>([]),
      fc.constant<Json>({}),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: all.length - 1 }), junk, (index, value) => {
        const mutated = Buffer.from(JSON.stringify(replaced(rootJson, all[index] ?? [], value)));
        let failure: unknown;
        try {
          const trustedRoot = loadTrustedRoot(mutated, 'mutated-root.json');
          verifyBundle(bundle, { kind: 'bytes', data: artefact }, { ...policy, trustedRoot }, 'b');
        } catch (error) {
          failure = error;
        }
        if (failure !== undefined) {
          expect(
            isMoatError(failure),
            `${(all[index] ?? []).join('.')}: ${(failure as Error).stack ?? ''}`,
          ).toBe(true);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
