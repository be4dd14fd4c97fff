import { describe, expect, test } from 'vitest';

import { finding } from './__fixtures__/finding.js';
import { FilterDocumentError } from './read-document.js';
import { parseVex } from './vex.js';
import { applyVex } from './vex-statement.js';

const imageDigest = 'sha256:3f2a000000000000000000000000000000000000000000000000000000000000';
const subject = { digests: [imageDigest] };

function openVex(statements: object[], timestamp = '2026-01-01T00:00:00Z'): string {
  return JSON.stringify({
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': 'https://example.com/vex/1',
    author: 'Security Team',
    timestamp,
    version: 1,
    statements,
  });
}

const keptAfter = (text: string, findings = [finding()]) =>
  applyVex(findings, parseVex(text, 'app.openvex.json'), subject);

describe('OpenVEX', () => {
  test('not_affected for the package purl suppresses the finding and records the justification', () => {
    const outcome = keptAfter(
      openVex([
        {
          vulnerability: { name: 'CVE-2021-23337' },
          products: [{ '@id': 'pkg:npm/lodash@4.17.20' }],
          status: 'not_affected',
          justification: 'vulnerable_code_not_in_execute_path',
          impact_statement: 'template() is never called',
        },
      ]),
    );
    expect(outcome.kept).toEqual([]);
    expect(outcome.ignored[0]?.reason).toEqual({
      kind: 'vex',
      file: 'app.openvex.json',
      format: 'openvex',
      status: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
      statement: 'template() is never called',
    });
  });

  test('fixed suppresses the finding', () => {
    const outcome = keptAfter(
      openVex([
        {
          vulnerability: { name: 'GHSA-35jh-r3h4-6jhm' },
          products: ['pkg:npm/lodash'],
          status: 'fixed',
        },
      ]),
    );
    expect(outcome.ignored.map((i) => i.reason.kind)).toEqual(['vex']);
  });

  test('affected and under_investigation keep the finding', () => {
    for (const status of ['affected', 'under_investigation']) {
      const outcome = keptAfter(
        openVex([
          { vulnerability: { name: 'CVE-2021-23337' }, products: ['pkg:npm/lodash'], status },
        ]),
      );
      expect(outcome.kept).toHaveLength(1);
    }
  });

  test('a statement about another package does not apply', () => {
    const outcome = keptAfter(
      openVex([
        {
          vulnerability: { name: 'CVE-2021-23337' },
          products: ['pkg:npm/underscore'],
          status: 'not_affected',
          justification: 'component_not_present',
        },
      ]),
    );
    expect(outcome.kept).toHaveLength(1);
  });

  test('a vulnerability matched through the statement aliases applies', () => {
    const outcome = keptAfter(
      openVex([
        {
          vulnerability: { name: 'SNYK-JS-LODASH-1040724', aliases: ['CVE-2021-23337'] },
          products: ['pkg:npm/lodash'],
          status: 'not_affected',
          justification: 'inline_mitigations_already_exist',
        },
      ]),
    );
    expect(outcome.kept).toEqual([]);
  });

  test('an image product with the package as subcomponent applies to this image only', () => {
    const statement = (digest: string) =>
      openVex([
        {
          vulnerability: { name: 'CVE-2021-23337' },
          products: [
            {
              '@id': `pkg:oci/app@${encodeURIComponent(digest)}`,
              subcomponents: [{ '@id': 'pkg:npm/lodash@4.17.20' }],
            },
          ],
          status: 'not_affected',
          justification: 'vulnerable_code_not_present',
        },
      ]);
    expect(keptAfter(statement(imageDigest)).kept).toEqual([]);
    expect(keptAfter(statement(imageDigest.replace('3f2a', '9999'))).kept).toHaveLength(1);
  });

  test('the latest statement wins: affected after not_affected keeps the finding', () => {
    const outcome = keptAfter(
      openVex([
        {
          vulnerability: { name: 'CVE-2021-23337' },
          products: ['pkg:npm/lodash'],
          status: 'affected',
          timestamp: '2026-02-01T00:00:00Z',
        },
        {
          vulnerability: { name: 'CVE-2021-23337' },
          products: ['pkg:npm/lodash'],
          status: 'not_affected',
          justification: 'component_not_present',
          timestamp: '2026-01-15T00:00:00Z',
        },
      ]),
    );
    expect(outcome.kept).toHaveLength(1);
  });

  test('an unknown status is refused naming the file', () => {
    expect(() =>
      parseVex(
        openVex([{ vulnerability: { name: 'CVE-1' }, products: [], status: 'maybe' }]),
        'bad.json',
      ),
    ).toThrow(/^bad\.json: not valid OpenVEX at statements\.0\.status/);
  });
});

function cdxVex(vulnerabilities: object[], components: object[] = []): string {
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 1,
    components,
    vulnerabilities,
  });
}

describe('CycloneDX VEX', () => {
  for (const state of ['not_affected', 'false_positive', 'resolved']) {
    test(`analysis state ${state} suppresses the finding affecting the referenced purl`, () => {
      const outcome = keptAfter(
        cdxVex([
          {
            id: 'CVE-2021-23337',
            analysis: { state },
            affects: [{ ref: 'pkg:npm/lodash@4.17.20' }],
          },
        ]),
      );
      expect(outcome.kept).toEqual([]);
      expect(outcome.ignored[0]?.reason).toMatchObject({
        kind: 'vex',
        format: 'cyclonedx',
        status: state,
      });
    });
  }

  test('analysis state exploitable keeps the finding', () => {
    const outcome = keptAfter(
      cdxVex([
        {
          id: 'CVE-2021-23337',
          analysis: { state: 'exploitable' },
          affects: [{ ref: 'pkg:npm/lodash@4.17.20' }],
        },
      ]),
    );
    expect(outcome.kept).toHaveLength(1);
  });

  test('a bom-ref is resolved through the document components, justification and detail kept', () => {
    const outcome = keptAfter(
      cdxVex(
        [
          {
            id: 'GHSA-35jh-r3h4-6jhm',
            analysis: {
              state: 'not_affected',
              justification: 'code_not_reachable',
              detail: 'no templates',
            },
            affects: [{ ref: 'urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#lodash-1' }],
          },
        ],
        [
          {
            type: 'library',
            name: 'lodash',
            'bom-ref': 'lodash-1',
            purl: 'pkg:npm/lodash@4.17.20',
          },
        ],
      ),
    );
    expect(outcome.ignored[0]?.reason).toMatchObject({
      justification: 'code_not_reachable',
      statement: 'no templates',
    });
  });

  test("Moat's own purl|path bom-ref applies only to the package at that path", () => {
    const vendored = finding({ path: '/app/vendor/lodash/package.json' });
    const outcome = keptAfter(
      cdxVex([
        {
          id: 'CVE-2021-23337',
          analysis: { state: 'not_affected' },
          affects: [{ ref: 'pkg:npm/lodash@4.17.20|/app/vendor/lodash/package.json' }],
        },
      ]),
      [finding(), vendored],
    );
    expect(outcome.kept.map((f) => f.path)).toEqual(['/app/node_modules/lodash/package.json']);
  });
});

describe('unknown documents', () => {
  test('a JSON document that is neither OpenVEX nor CycloneDX is refused', () => {
    expect(() => parseVex('{"document":{"category":"csaf_vex"}}', 'csaf.json')).toThrow(
      FilterDocumentError,
    );
  });

  test('text that is not JSON is refused naming the file', () => {
    expect(() => parseVex('statements: []', 'vex.yaml')).toThrow(
      /^vex\.yaml: the VEX document is not valid JSON/,
    );
  });
});

describe('VEX timestamps', () => {
  test.each(['2024-02-30T10:00:00Z', '2023-02-29T00:00:00+01:00', 'yesterday'])(
    'an OpenVEX document dated %s is refused naming the file and the value',
    (timestamp) => {
      expect(() => parseVex(openVex([], timestamp), 'app.openvex.json')).toThrow(
        `app.openvex.json: not valid OpenVEX at timestamp: ${JSON.stringify(timestamp)} is not a real date and time`,
      );
    },
  );

  test('a CycloneDX analysis last updated on 2023-02-29 is refused naming the file and the value', () => {
    const text = cdxVex([
      {
        id: 'CVE-2021-23337',
        analysis: { state: 'not_affected', lastUpdated: '2023-02-29T08:00:00Z' },
        affects: [{ ref: 'pkg:npm/lodash@4.17.20' }],
      },
    ]);
    expect(() => parseVex(text, 'app.cdx.json')).toThrow(
      'app.cdx.json: not valid CycloneDX VEX at vulnerabilities.0.analysis.lastUpdated: "2023-02-29T08:00:00Z" is not a real date and time',
    );
  });

  test('a leap day with fractional seconds and an offset is a real date and time', () => {
    const text = openVex([], '2024-02-29T23:59:59.123456+05:30');
    expect(parseVex(text, 'app.openvex.json')).toEqual([]);
  });
});
