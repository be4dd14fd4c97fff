/**
 * A hand-built scan for the vulnerability report tests: the sample inventory with findings in
 * its deb, npm (vendored twice) and PyPI packages, one without a fix, and one finding a VEX
 * document suppressed.
 */
import { finding } from '../../filter/__fixtures__/finding.js';
import type { IgnoredFinding } from '../../filter/types.js';
import type { Finding } from '../../match/types.js';
import type { VulnerabilityReportInput } from '../vulnerabilities-input.js';
import { sampleInventory } from './inventory.js';

/** The findings of {@link sampleScan}, in no particular order. */
export function sampleFindings(): Finding[] {
  const inventory = sampleInventory();
  const zlib = inventory.packages.find((p) => p.name === 'zlib1g');
  const lodash = inventory.packages.filter((p) => p.name === 'lodash');
  return [
    finding({
      purl: lodash[0]?.purl ?? '',
      installedVersion: '4.17.21',
      path: lodash[0]?.path ?? '',
      layerDigest: lodash[0]?.layerDigest,
      fixedVersions: ['4.17.22'],
    }),
    finding({
      purl: lodash[1]?.purl ?? '',
      installedVersion: '4.17.21',
      path: lodash[1]?.path ?? '',
      layerDigest: lodash[1]?.layerDigest,
      fixedVersions: ['4.17.22'],
    }),
    finding({
      id: 'CVE-2023-45853',
      aliases: ['DLA-3609-1'],
      purl: zlib?.purl ?? '',
      packageName: 'zlib1g',
      installedVersion: zlib?.version ?? '',
      fixedVersions: [],
      status: 'will_not_fix',
      statusSource: 'osv:Debian:12',
      severity: 'CRITICAL',
      sourceSeverity: 'LOW',
      cvss: [
        {
          version: '3.1',
          vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          score: 9.8,
          source: 'nvd',
        },
      ],
      title: 'zlib: integer overflow in MiniZip',
      description: 'MiniZip in zlib through 1.3 has an integer overflow.',
      references: ['https://security-tracker.debian.org/tracker/CVE-2023-45853'],
      layerDigest: zlib?.layerDigest,
      path: zlib?.path ?? '',
      dataSource: 'Debian:12',
      published: '2023-10-14T02:15:09Z',
    }),
    finding({
      id: 'MOAT-UNKNOWN-1',
      aliases: [],
      severity: 'UNKNOWN',
      cvss: [],
      status: 'affected',
      fixedVersions: [],
      references: [],
      title: 'Control\u001b[31m characters in a title',
    }),
  ];
}

/** A finding an OpenVEX statement suppressed. */
export function sampleVexed(): IgnoredFinding {
  return {
    finding: finding({ id: 'CVE-2024-0001', aliases: [], severity: 'MEDIUM' }),
    reason: {
      kind: 'vex',
      file: 'app.openvex.json',
      format: 'openvex',
      status: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
      statement: 'never called',
    },
  };
}

/** The sample scan. */
export function sampleScan(): VulnerabilityReportInput {
  return {
    inventory: sampleInventory(),
    findings: sampleFindings(),
    ignored: [sampleVexed()],
    warnings: ['database is 3 days old'],
    eol: { eol: false, date: '2028-06-30' },
  };
}
