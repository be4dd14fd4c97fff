import { describe, expect, it } from 'vitest';

import type { Inventory, Package } from '../catalog/types.js';
import { matchInventory, type AdvisorySource } from './match.js';

/** Every package name in every ecosystem is affected below 99 by one advisory. */
const everythingAffected: AdvisorySource = {
  advisoriesFor: (ecosystem, name) => [
    {
      schema_version: '1.6.0',
      id: `ADV-${ecosystem}-${name}`,
      modified: '2025-01-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem, name },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '99' }] }],
        },
      ],
    },
  ],
};

function inventoryOf(packages: Package[]): Inventory {
  return {
    target: 't',
    artifact: {
      kind: 'container_image',
      name: 't',
      transport: 'oci',
      repoTags: [],
      os: { family: 'debian', version: '12' },
      layers: [],
      labels: {},
    },
    packages,
    warnings: [],
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

const urllib3Deb: Package = {
  type: 'deb',
  name: 'python3-urllib3',
  version: '1.26.12-1',
  source: { name: 'python-urllib3', version: '1.26.12-1' },
  purl: 'pkg:deb/debian/python3-urllib3@1.26.12-1?distro=debian-12',
  licenses: [],
  path: '/var/lib/dpkg/status',
};

describe('matchInventory leaves out', () => {
  it('a package without a purl, with one warning counting them', () => {
    const result = matchInventory(
      inventoryOf([
        { type: 'maven', name: 'commons-foo', version: '1.2', licenses: [], path: '/a.jar' },
        { type: 'maven', name: 'commons-bar', version: '1.2', licenses: [], path: '/b.jar' },
      ]),
      everythingAffected,
      { now: new Date('2025-01-01') },
    );
    expect(result.findings).toEqual([]);
    expect(result.warnings).toEqual(['not matched: 2 packages without a purl']);
  });

  it('a language package an OS package owns: only the OS package’s advisories apply', () => {
    const urllib3: Package = {
      type: 'pypi',
      name: 'urllib3',
      version: '1.26.12',
      purl: 'pkg:pypi/urllib3@1.26.12',
      licenses: [],
      path: '/usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info/PKG-INFO',
      ownedBy: {
        type: 'deb',
        name: 'python3-urllib3',
        version: '1.26.12-1',
        purl: urllib3Deb.purl,
      },
    };
    const pip: Package = {
      type: 'pypi',
      name: 'pip',
      version: '23.0',
      purl: 'pkg:pypi/pip@23.0',
      licenses: [],
      path: '/usr/local/lib/python3.11/site-packages/pip-23.0.dist-info/METADATA',
    };
    const result = matchInventory(inventoryOf([urllib3Deb, urllib3, pip]), everythingAffected, {
      now: new Date('2025-01-01'),
    });
    expect(result.findings.map((f) => [f.id, f.purl])).toEqual([
      ['ADV-Debian:12-python-urllib3', urllib3Deb.purl],
      ['ADV-PyPI-pip', pip.purl],
    ]);
  });
});
