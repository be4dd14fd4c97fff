/**
 * A small image and vulnerability database for scan tests: an OCI layout whose base layer holds
 * an npm app (lodash 4.17.20, minimist 1.2.5) and whose second layer holds a PyPI distribution
 * (requests 2.30.0), and OSV records written here with the findings they must produce:
 *
 * | finding id (aliases)                  | package         | severity       | status   | fixed   |
 * | ------------------------------------- | --------------- | -------------- | -------- | ------- |
 * | CVE-2021-44906 (GHSA-xvch-5gv4-984h)  | minimist 1.2.5  | CRITICAL (9.8) | fixed    | 1.2.6   |
 * | CVE-2021-23337 (GHSA-35jh-r3h4-6jhm)  | lodash 4.17.20  | HIGH (7.2)     | fixed    | 4.17.21 |
 * | CVE-2023-32681 (GHSA-j8r2-6x86-q33q)  | requests 2.30.0 | MEDIUM (5.3)   | fixed    | 2.31.0  |
 * | MOAT-TEST-0001                        | requests 2.30.0 | LOW (source)   | affected | —       |
 *
 * The matcher names a finding by its CVE when the advisory has one.
 * GHSA-p6mc-m468-83gw (lodash, fixed in 4.17.12) must not match.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { writeOciLayout } from '../../test/fixtures/image-builder.js';
import { importOsv } from '../vulndb/index.js';

const npmPackage = (name: string, version: string) =>
  JSON.stringify({ name, version, license: 'MIT' });

/** Writes the test image as an OCI layout at `dir` (target `oci:<dir>:app`). */
export async function writeScanImage(dir: string): Promise<void> {
  await writeOciLayout(dir, [
    {
      tag: 'app',
      layers: [
        [
          {
            path: 'app/node_modules/lodash/package.json',
            content: npmPackage('lodash', '4.17.20'),
          },
          {
            path: 'app/node_modules/minimist/package.json',
            content: npmPackage('minimist', '1.2.5'),
          },
        ],
        [
          {
            path: 'usr/lib/python3/site-packages/requests-2.30.0.dist-info/METADATA',
            content:
              'Metadata-Version: 2.1\nName: requests\nVersion: 2.30.0\nLicense: Apache 2.0\n',
          },
        ],
      ],
    },
  ]);
}

function record(
  id: string,
  ecosystem: string,
  name: string,
  events: Record<string, string>[],
  extra: Record<string, unknown> = {},
) {
  return {
    schema_version: '1.6.0',
    id,
    modified: '2025-01-01T00:00:00Z',
    summary: `${id} in ${name}`,
    affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events }] }],
    references: [{ type: 'ADVISORY', url: `https://osv.dev/vulnerability/${id}` }],
    ...extra,
  };
}

/** The OSV records described in the module comment. */
export const scanRecords = [
  record('GHSA-xvch-5gv4-984h', 'npm', 'minimist', [{ introduced: '0' }, { fixed: '1.2.6' }], {
    aliases: ['CVE-2021-44906'],
    summary: 'Prototype Pollution in minimist',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
  }),
  record('GHSA-35jh-r3h4-6jhm', 'npm', 'lodash', [{ introduced: '0' }, { fixed: '4.17.21' }], {
    aliases: ['CVE-2021-23337'],
    summary: 'Command Injection in lodash',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' }],
  }),
  record('GHSA-p6mc-m468-83gw', 'npm', 'lodash', [{ introduced: '0' }, { fixed: '4.17.12' }], {
    aliases: ['CVE-2020-8203'],
  }),
  record(
    'GHSA-j8r2-6x86-q33q',
    'PyPI',
    'requests',
    [{ introduced: '2.3.0' }, { fixed: '2.31.0' }],
    {
      aliases: ['CVE-2023-32681'],
      summary: 'Unintended leak of Proxy-Authorization header in requests',
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N' }],
    },
  ),
  record('MOAT-TEST-0001', 'PyPI', 'requests', [{ introduced: '0' }], {
    summary: 'A test advisory without a fix',
    database_specific: { severity: 'LOW' },
  }),
];

/** Imports {@link scanRecords} by hand into the database of `cacheDir`. */
export async function writeScanDb(cacheDir: string, importedBy: 'manual' | 'update' = 'manual') {
  const recordsDir = join(cacheDir, 'osv-records');
  await mkdir(recordsDir, { recursive: true });
  for (const r of scanRecords) await writeFile(join(recordsDir, `${r.id}.json`), JSON.stringify(r));
  await importOsv(join(cacheDir, 'db', 'moat-vuln.db'), [recordsDir], { importedBy });
}
