/**
 * SARIF 2.1.0 for `moat scan --format sarif`, in the shape GitHub code scanning accepts: one rule
 * per vulnerability id (descriptions, help URI, `security-severity` as a numeric string, tags),
 * one result per finding with a level from its severity, a message naming package, version and
 * fix, the declaring file as `artifactLocation.uri` (no leading slash) and the layer as a
 * logical location.
 */
import type { Finding, Severity } from '../match/types.js';
import type { RenderOptions } from './render-options.js';
import { shortDigest } from './table.js';
import type { VulnerabilityReportInput } from './vulnerabilities-input.js';
import { sortedFindings } from './vulnerabilities-order.js';

const schemaUri = 'https://json.schemastore.org/sarif-2.1.0.json';

/** GitHub's bands for `security-severity`: ≥9 critical, ≥7 high, ≥4 medium, >0 low. */
const bands: Record<Severity, { min: number; max: number; typical: number }> = {
  CRITICAL: { min: 9, max: 10, typical: 9.5 },
  HIGH: { min: 7, max: 8.9, typical: 8 },
  MEDIUM: { min: 4, max: 6.9, typical: 5.5 },
  LOW: { min: 0.1, max: 3.9, typical: 2 },
  UNKNOWN: { min: 0, max: 0, typical: 0 },
};

/**
 * The `security-severity` of a finding: its highest CVSS score when that falls in the band of its
 * severity (so GitHub shows the same severity as every other format), else the band's typical score.
 */
export function securitySeverity(finding: Finding): string {
  const band = bands[finding.severity];
  const best = finding.cvss.reduce((most, c) => Math.max(most, c.score), -1);
  const score = best >= band.min && best <= band.max ? best : band.typical;
  return score.toFixed(1);
}

function levelOf(severity: Severity): 'error' | 'warning' | 'note' {
  if (severity === 'CRITICAL' || severity === 'HIGH') return 'error';
  if (severity === 'MEDIUM') return 'warning';
  return 'note';
}

function helpUriOf(finding: Finding): string {
  return finding.references[0] ?? `https://osv.dev/vulnerability/${encodeURIComponent(finding.id)}`;
}

function fixText(finding: Finding): string {
  if (finding.fixedVersions.length > 0) return `fixed in ${finding.fixedVersions.join(', ')}`;
  return finding.status === 'affected'
    ? 'no fix yet'
    : `no fix (${finding.status.replace(/_/g, ' ')})`;
}

function ruleOf(finding: Finding) {
  const ids = [finding.id, ...finding.aliases].join(', ');
  const markdown = [
    `**${finding.id}** (${finding.severity})${finding.aliases.length > 0 ? `, also ${finding.aliases.join(', ')}` : ''}`,
    '',
    finding.description ?? finding.title,
    '',
    ...finding.references.map((r) => `- ${r}`),
  ].join('\n');
  return {
    id: finding.id,
    name: finding.id.replace(/[^A-Za-z0-9]/g, ''),
    shortDescription: { text: finding.title || finding.id },
    fullDescription: { text: finding.description ?? (finding.title || finding.id) },
    helpUri: helpUriOf(finding),
    help: { text: `${ids}: ${finding.title}\n${finding.references.join('\n')}`, markdown },
    defaultConfiguration: { level: levelOf(finding.severity) },
    properties: {
      precision: 'very-high',
      'security-severity': securitySeverity(finding),
      tags: ['vulnerability', 'security', finding.severity],
    },
  };
}

function resultOf(finding: Finding, ruleIndex: number) {
  const layer = finding.layerDigest;
  return {
    ruleId: finding.id,
    ruleIndex,
    level: levelOf(finding.severity),
    message: {
      text: `Package ${finding.packageName} ${finding.installedVersion} (${finding.purl}) is affected by ${finding.id} (${finding.severity}); ${fixText(finding)}.`,
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: finding.path.replace(/^\/+/, '') },
          region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
        },
        ...(layer === undefined
          ? {}
          : {
              logicalLocations: [
                { name: shortDigest(layer), fullyQualifiedName: layer, kind: 'layer' },
              ],
            }),
      },
    ],
    partialFingerprints: { 'moat/v1': `${finding.id}|${finding.purl}|${finding.path}` },
    properties: {
      purl: finding.purl,
      status: finding.status,
      fixedVersions: finding.fixedVersions,
    },
  };
}

/** Builds the SARIF log object for a scan. */
export function buildSarif(input: VulnerabilityReportInput, options: RenderOptions = {}) {
  const findings = sortedFindings(input.findings);
  const ruleIndex = new Map<string, number>();
  const rules: ReturnType<typeof ruleOf>[] = [];
  for (const finding of findings) {
    if (ruleIndex.has(finding.id)) continue;
    ruleIndex.set(finding.id, rules.length);
    rules.push(ruleOf(finding));
  }
  return {
    $schema: schemaUri,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'moat',
            version: options.toolVersion ?? 'unknown',
            rules,
          },
        },
        results: findings.map((f) => resultOf(f, ruleIndex.get(f.id) ?? 0)),
        columnKind: 'utf16CodeUnits',
        properties: {
          target: input.inventory.target,
          ...(input.inventory.artifact.manifestDigest !== undefined
            ? { manifestDigest: input.inventory.artifact.manifestDigest }
            : {}),
        },
      },
    ],
  };
}

/** Renders a scan as a SARIF 2.1.0 log. */
export function renderSarif(input: VulnerabilityReportInput, options: RenderOptions = {}): string {
  return `${JSON.stringify(buildSarif(input, options), null, 2)}\n`;
}
