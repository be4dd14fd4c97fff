/** A builder for hand-made findings in filter and report tests. */
import type { Finding } from '../../match/types.js';

/** A fixed, fixable HIGH finding in lodash, overridden by `extra`. */
export function finding(extra: Partial<Finding> = {}): Finding {
  return {
    id: 'GHSA-35jh-r3h4-6jhm',
    aliases: ['CVE-2021-23337'],
    purl: 'pkg:npm/lodash@4.17.20',
    packageName: 'lodash',
    installedVersion: '4.17.20',
    fixedVersions: ['4.17.21'],
    status: 'fixed',
    statusSource: 'osv:npm',
    severity: 'HIGH',
    cvss: [
      {
        version: '3.1',
        vector: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H',
        score: 7.2,
        source: 'ghsa',
      },
    ],
    title: 'Command Injection in lodash',
    references: ['https://github.com/advisories/GHSA-35jh-r3h4-6jhm'],
    layerDigest: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    path: '/app/node_modules/lodash/package.json',
    dataSource: 'npm',
    ...extra,
  };
}
