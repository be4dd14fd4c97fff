import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import { sampleInventory } from './__fixtures__/inventory.js';
import { buildSpdxDocument, renderSpdx, type SpdxDocument } from './spdx.js';

const schemaPath = fileURLToPath(
  new URL('../../test/fixtures/data/schemas/spdx-schema-2.3.json', import.meta.url),
);

const build = (): SpdxDocument => buildSpdxDocument(sampleInventory(), { toolVersion: '0.1.0' });

const packageAt = (doc: SpdxDocument, name: string) => {
  const found = doc.packages.find((p) => p.name === name);
  if (found === undefined) throw new TypeError(`no package ${name}`);
  return found;
};

describe('renderSpdx', () => {
  test(`the document validates against the SPDX 2.3 JSON schema (${schemaPath})`, () => {
    // The schema declares draft-07, Ajv's default dialect.
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as object;
    const validate = new Ajv({ allErrors: true }).compile(schema);
    const valid = validate(JSON.parse(renderSpdx(sampleInventory())));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('every SPDXID is unique and made of letters, digits, dots and dashes', () => {
    const ids = build().packages.map((p) => p.SPDXID);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/);
  });

  test('every relationship joins elements the document defines', () => {
    const doc = build();
    const ids = new Set(['SPDXRef-DOCUMENT', ...doc.packages.map((p) => p.SPDXID)]);
    for (const relationship of doc.relationships) {
      expect(ids).toContain(relationship.spdxElementId);
      expect(ids).toContain(relationship.relatedSpdxElement);
    }
  });

  test('the document describes the image, which contains the OS and every package', () => {
    const doc = build();
    const image = doc.packages.find((p) => p.primaryPackagePurpose === 'CONTAINER');
    expect(doc.relationships.filter((r) => r.relationshipType === 'DESCRIBES')).toEqual([
      {
        spdxElementId: 'SPDXRef-DOCUMENT',
        relationshipType: 'DESCRIBES',
        relatedSpdxElement: image?.SPDXID,
      },
    ]);
    const contained = doc.relationships
      .filter((r) => r.relationshipType === 'CONTAINS' && r.spdxElementId === image?.SPDXID)
      .map((r) => r.relatedSpdxElement);
    expect(contained.sort()).toEqual(
      doc.packages
        .filter((p) => p !== image)
        .map((p) => p.SPDXID)
        .sort(),
    );
  });

  test('package ids name the type and a sanitised name', () => {
    expect(packageAt(build(), 'github.com/spf13/cobra').SPDXID).toMatch(
      /^SPDXRef-Package-golang-github.com-spf13-cobra-[0-9a-f]{16}$/,
    );
  });

  test('two packages sharing a purl at different paths get different SPDXIDs', () => {
    const lodash = build().packages.filter((p) => p.name === 'lodash');
    expect(lodash).toHaveLength(2);
    expect(lodash[0]?.SPDXID).not.toBe(lodash[1]?.SPDXID);
  });

  test('each package refers to its purl and names its layer and path', () => {
    const zlib = packageAt(build(), 'zlib1g');
    expect(zlib.externalRefs).toEqual([
      {
        referenceCategory: 'PACKAGE-MANAGER',
        referenceType: 'purl',
        referenceLocator: 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12',
      },
    ]);
    expect(zlib.versionInfo).toBe('1:1.2.13.dfsg-1');
    expect(zlib.sourceInfo).toBe(
      'acquired from layer sha256:7a1e8b5b8b4a6e2c1d0f9e8d7c6b5a4938271605f4e3d2c1b0a9f8e7d6c5b4a3, path /var/lib/dpkg/status; source package zlib 1:1.2.13.dfsg-1',
    );
  });

  test('a licence string that is not SPDX becomes a LicenseRef with its text extracted', () => {
    const doc = build();
    expect(packageAt(doc, 'libgcc-s1').licenseDeclared).toBe(
      '(GPL-3.0-or-later WITH GCC-exception-3.1) AND LicenseRef-GPL-2-with-exception',
    );
    expect(doc.hasExtractedLicensingInfos).toEqual([
      {
        licenseId: 'LicenseRef-GPL-2-with-exception',
        extractedText: 'GPL-2+ with exception',
        name: 'GPL-2+ with exception',
      },
    ]);
  });

  test('licence texts that sanitise alike get distinct LicenseRefs', () => {
    const inventory = sampleInventory();
    const [first, second] = inventory.packages;
    if (first === undefined || second === undefined) throw new TypeError('fixture too small');
    first.licenses = ['GPL-2 with exception'];
    second.licenses = ['GPL-2+ with exception'];
    const infos = buildSpdxDocument(inventory).hasExtractedLicensingInfos ?? [];
    expect(infos).toHaveLength(2);
    expect(infos[0]?.licenseId).not.toBe(infos[1]?.licenseId);
  });

  test('a compound expression is kept and a package without licences declares NOASSERTION', () => {
    const doc = build();
    expect(packageAt(doc, 'cryptography').licenseDeclared).toBe('Apache-2.0 OR BSD-3-Clause');
    expect(packageAt(doc, 'github.com/spf13/cobra').licenseDeclared).toBe('NOASSERTION');
  });

  test('the creation time has whole seconds and the creator names Moat and its version', () => {
    expect(build().creationInfo).toEqual({
      created: '2026-11-29T09:43:05Z',
      creators: ['Tool: moat-0.1.0'],
    });
  });

  test('the namespace is a fresh https URI per document', () => {
    const first = build().documentNamespace;
    expect(first).toMatch(
      /^https:\/\/moat\.dev\/spdx\/registry\.example\.com-team-app-[0-9a-f-]{36}$/,
    );
    expect(build().documentNamespace).not.toBe(first);
  });

  test('rendering twice differs only in the namespace, whatever the package order', () => {
    const shuffled = sampleInventory();
    shuffled.packages.reverse();
    const withoutNamespace = (text: string): string =>
      text.replace(/"documentNamespace": "[^"]*"/, '');
    expect(withoutNamespace(renderSpdx(shuffled))).toBe(
      withoutNamespace(renderSpdx(sampleInventory())),
    );
  });
});
