import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';

import type { Inventory, Package } from '../catalog/types.js';
import { sampleInventory } from './__fixtures__/inventory.js';
import { renderCycloneDx } from './cyclonedx.js';
import { buildReport } from './json.js';
import { reportSchema } from './report-schema.js';
import { renderSpdx } from './spdx.js';
import { renderTable } from './table.js';

/** A JAR known only by its file name twice (two paths): Maven without groupId has no purl. */
function inventoryWithoutPurls(): Inventory {
  const inventory = sampleInventory();
  const nameOnly = (path: string): Package => ({
    name: 'commons-foo',
    version: '1.2',
    type: 'maven',
    licenses: [],
    path,
  });
  inventory.packages.push(nameOnly('/usr/share/java/a.jar'), nameOnly('/usr/share/java/b.jar'));
  return inventory;
}

describe('a package without a purl', () => {
  test('is in the JSON report without the field, and the report validates', () => {
    const report = buildReport(inventoryWithoutPurls());
    expect(reportSchema.safeParse(report).success).toBe(true);
    const jars = report.packages.filter((p) => p.name === 'commons-foo');
    expect(jars).toHaveLength(2);
    for (const jar of jars) expect(jar).not.toHaveProperty('purl');
  });

  test('is a CycloneDX component without purl and a unique bom-ref; the BOM validates', async () => {
    const text = renderCycloneDx(inventoryWithoutPurls());
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    await expect(validator.validate(text)).resolves.toBeNull();
    const components = (
      JSON.parse(text) as { components: { name: string; purl?: string; 'bom-ref': string }[] }
    ).components.filter((c) => c.name === 'commons-foo');
    expect(components.map((c) => [c.purl, c['bom-ref']])).toEqual([
      [undefined, 'moat:package:maven:commons-foo@1.2|/usr/share/java/a.jar'],
      [undefined, 'moat:package:maven:commons-foo@1.2|/usr/share/java/b.jar'],
    ]);
  });

  test('is an SPDX package without external refs; the document validates', () => {
    const schemaPath = fileURLToPath(
      new URL('../../test/fixtures/data/schemas/spdx-schema-2.3.json', import.meta.url),
    );
    const validate = new Ajv({ allErrors: true }).compile(
      JSON.parse(readFileSync(schemaPath, 'utf8')) as object,
    );
    const doc = JSON.parse(renderSpdx(inventoryWithoutPurls())) as {
      packages: { name: string; SPDXID: string; externalRefs?: unknown }[];
    };
    expect(validate(doc)).toBe(true);
    const jars = doc.packages.filter((p) => p.name === 'commons-foo');
    expect(jars).toHaveLength(2);
    expect(new Set(jars.map((p) => p.SPDXID)).size).toBe(2);
    for (const jar of jars) expect(jar.externalRefs).toBeUndefined();
  });

  test('is a row of the table', () => {
    expect(renderTable(inventoryWithoutPurls())).toContain('commons-foo');
  });
});
