import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { describe, expect, test } from 'vitest';

import type { Inventory, Package } from '../catalog/types.js';
import { sampleInventory } from './__fixtures__/inventory.js';
import { renderCycloneDx } from './cyclonedx.js';
import { buildReport } from './json.js';
import { reportSchema } from './report-schema.js';
import { renderTable } from './table.js';

const debPurl = 'pkg:deb/debian/python3-urllib3@1.26.12-1+deb12u4?arch=all&distro=debian-12';
const pypiPurl = 'pkg:pypi/urllib3@1.26.12';

/** Debian's python3-urllib3 and the urllib3 distribution it installed, linked both ways. */
function linkedInventory(): Inventory {
  const inventory = sampleInventory();
  const deb: Package = {
    type: 'deb',
    name: 'python3-urllib3',
    version: '1.26.12-1+deb12u4',
    purl: debPurl,
    licenses: [],
    path: '/var/lib/dpkg/status',
    owns: [{ type: 'pypi', name: 'urllib3', version: '1.26.12', purl: pypiPurl }],
  };
  const pypi: Package = {
    type: 'pypi',
    name: 'urllib3',
    version: '1.26.12',
    purl: pypiPurl,
    licenses: [],
    path: '/usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info/PKG-INFO',
    ownedBy: { type: 'deb', name: 'python3-urllib3', version: '1.26.12-1+deb12u4', purl: debPurl },
  };
  inventory.packages.push(deb, pypi);
  return inventory;
}

describe('OS-owned language packages', () => {
  test('carry ownedBy and owns in the JSON report, which validates', () => {
    const report = buildReport(linkedInventory());
    expect(reportSchema.safeParse(report).success).toBe(true);
    expect(report.packages.find((p) => p.purl === pypiPurl)?.ownedBy?.purl).toBe(debPurl);
    expect(report.packages.find((p) => p.purl === debPurl)?.owns).toEqual([
      { type: 'pypi', name: 'urllib3', version: '1.26.12', purl: pypiPurl },
    ]);
  });

  test('carry owned-by and owns properties in CycloneDX, which validates', async () => {
    const text = renderCycloneDx(linkedInventory());
    await expect(
      new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text),
    ).resolves.toBeNull();
    const components = (
      JSON.parse(text) as {
        components: { purl?: string; properties?: { name: string; value: string }[] }[];
      }
    ).components;
    const property = (purl: string, name: string) =>
      components.find((c) => c.purl === purl)?.properties?.find((p) => p.name === name)?.value;
    expect(property(pypiPurl, 'moat:package:owned-by')).toBe(debPurl);
    expect(property(debPurl, 'moat:package:owns')).toBe(pypiPurl);
  });

  test('show their OS package in the table', () => {
    const line = renderTable(linkedInventory())
      .split('\n')
      .find((l) => l.includes('urllib3-1.26.12.egg-info'));
    expect(line).toContain('(deb python3-urllib3)');
  });
});
