import { describe, expect, test } from 'vitest';

import { MoatError } from '../../errors.js';
import { attestationPredicate, predicateTypeFor } from './predicate.js';

function usageError(run: () => unknown): MoatError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MoatError);
    expect((error as MoatError).code).toBe('USAGE');
    return error as MoatError;
  }
  throw new Error('expected a USAGE error');
}

describe('predicateTypeFor', () => {
  // cosign cmd/cosign/cli/options/predicate.go PredicateTypeMap.
  test.each([
    ['custom', 'https://cosign.sigstore.dev/attestation/v1'],
    ['slsaprovenance', 'https://slsa.dev/provenance/v0.2'],
    ['slsaprovenance02', 'https://slsa.dev/provenance/v0.2'],
    ['slsaprovenance1', 'https://slsa.dev/provenance/v1'],
    ['link', 'https://in-toto.io/Link/v1'],
    ['spdx', 'https://spdx.dev/Document'],
    ['spdxjson', 'https://spdx.dev/Document'],
    ['cyclonedx', 'https://cyclonedx.org/bom'],
    ['vuln', 'https://cosign.sigstore.dev/attestation/vuln/v1'],
    ['openvex', 'https://openvex.dev/ns'],
  ])('maps %s to %s', (name, uri) => {
    expect(predicateTypeFor(name)).toBe(uri);
  });

  test('passes a URI through as is', () => {
    expect(predicateTypeFor('https://example.com/predicate/v1')).toBe(
      'https://example.com/predicate/v1',
    );
  });

  test.each(['cyclone', 'CycloneDX', '', 'has space:x', 'constructor', '__proto__'])(
    'refuses %j as USAGE',
    (type) => {
      expect(usageError(() => predicateTypeFor(type)).message).toContain('invalid predicate type');
    },
  );
});

describe('attestationPredicate', () => {
  const now = new Date('2026-12-04T21:30:15.123Z');

  test('wraps a custom predicate as cosign does: {Data: text, Timestamp: RFC 3339 seconds}', () => {
    expect(attestationPredicate('custom', Buffer.from('not json\n'), now)).toEqual({
      Data: 'not json\n',
      Timestamp: '2026-12-04T21:30:15Z',
    });
  });

  test('embeds an spdx (tag-value) predicate as a string', () => {
    expect(attestationPredicate('spdx', Buffer.from('SPDXVersion: SPDX-2.3'))).toBe(
      'SPDXVersion: SPDX-2.3',
    );
  });

  test('keeps a JSON object for cyclonedx', () => {
    expect(attestationPredicate('cyclonedx', Buffer.from('{"bomFormat":"CycloneDX"}'))).toEqual({
      bomFormat: 'CycloneDX',
    });
  });

  test('keeps a JSON object for a URI type', () => {
    expect(attestationPredicate('https://example.com/p', Buffer.from('{"a":1}'))).toEqual({ a: 1 });
  });

  test('keeps only the CosignVulnPredicate fields of a vuln predicate, zero-filled', () => {
    const predicate = attestationPredicate(
      'vuln',
      Buffer.from(
        JSON.stringify({
          scanner: { uri: 'pkg:github/moat', version: '0.1.0', result: { matches: [] }, extra: 1 },
          metadata: { scanStartedOn: '2026-12-04T21:00:00Z' },
          unknown: true,
        }),
      ),
    );
    expect(predicate).toEqual({
      invocation: { parameters: null, uri: '', event_id: '', 'builder.id': '' },
      scanner: {
        uri: 'pkg:github/moat',
        version: '0.1.0',
        db: { uri: '', version: '' },
        result: { matches: [] },
      },
      metadata: { scanStartedOn: '2026-12-04T21:00:00Z', scanFinishedOn: '0001-01-01T00:00:00Z' },
    });
  });

  test('refuses a link predicate missing a field cosign requires', () => {
    expect(
      usageError(() => attestationPredicate('link', Buffer.from('{"name":"x"}'))).message,
    ).toBe('link statement: required field _type missing');
  });

  test('refuses a predicate that is not JSON for a JSON type', () => {
    usageError(() => attestationPredicate('cyclonedx', Buffer.from('<bom/>')));
  });

  test('refuses a JSON array for a JSON type', () => {
    usageError(() => attestationPredicate('openvex', Buffer.from('[]')));
  });
});
