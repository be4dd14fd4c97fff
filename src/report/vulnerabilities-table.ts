/**
 * The human table for `moat scan` (`--format table`), laid out as Trivy does: a header naming the
 * target, OS and totals by severity, a summary per layer, then one table per package class (OS
 * packages, then each language ecosystem) with LIBRARY, VULNERABILITY, SEVERITY, STATUS,
 * INSTALLED, FIXED and TITLE. Plain ASCII, no colours, control characters replaced.
 */
import type { Finding } from '../match/types.js';
import { compareText } from '../util/order.js';
import { printable, renderAsciiTable } from './ascii-table.js';
import { osLabel, shortDigest } from './table.js';
import type { VulnerabilityReportInput } from './vulnerabilities-input.js';
import { countBySeverity, severityOrder, sortedFindings } from './vulnerabilities-order.js';

const osTypes = new Set(['deb', 'apk', 'rpm']);
const ecosystemNames: Record<string, string> = {
  npm: 'Node.js',
  pypi: 'Python',
  golang: 'Go',
  maven: 'Java',
  gem: 'Ruby',
  cargo: 'Rust',
  composer: 'PHP',
  nuget: '.NET',
};

/** `Total: 3 (CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 0, UNKNOWN: 0)`. */
function totals(findings: readonly Finding[]): string {
  const counts = countBySeverity(findings);
  const parts = severityOrder.map((s) => `${s}: ${counts[s]}`).join(', ');
  return `Total: ${findings.length} (${parts})`;
}

function purlType(purl: string): string {
  return /^pkg:([^/]+)\//.exec(purl)?.[1]?.toLowerCase() ?? 'unknown';
}

function sectionTitle(type: string, os: string): string {
  if (osTypes.has(type)) return `OS packages: ${os} (${type})`;
  return `${ecosystemNames[type] ?? type} (${type})`;
}

function row(finding: Finding): string[] {
  return [
    finding.packageName,
    finding.id,
    finding.severity,
    finding.status,
    finding.installedVersion,
    finding.fixedVersions.join(', '),
    finding.title,
  ].map(printable);
}

const findingColumns = [
  ...['LIBRARY', 'VULNERABILITY', 'SEVERITY', 'STATUS', 'INSTALLED', 'FIXED'].map((head) => ({
    head,
  })),
  // Titles can be long; wrap them rather than stretch every row.
  { head: 'TITLE', wrapWidth: 60 },
];

function findingsTable(findings: readonly Finding[]): string {
  return renderAsciiTable(findingColumns, findings.map(row));
}

function layerSummary(input: VulnerabilityReportInput, findings: readonly Finding[]): string[] {
  const layers = input.inventory.artifact.layers;
  if (layers.length === 0 || findings.length === 0) return [];
  const lines = ['Layers:'];
  layers.forEach((layer, index) => {
    const count = findings.filter((f) => f.layerDigest === layer.digest).length;
    if (count === 0) return;
    const step = layer.createdBy === undefined ? '' : ` ${layer.createdBy}`;
    lines.push(
      printable(`  ${index + 1} ${shortDigest(layer.digest)}${step}: ${count} vulnerabilities`),
    );
  });
  return lines.length > 1 ? [...lines, ''] : [];
}

/** Renders a scan as plain-ASCII tables grouped by package class. */
export function renderScanTable(input: VulnerabilityReportInput): string {
  const findings = sortedFindings(input.findings);
  const os = osLabel(input.inventory);
  const eol = input.eol?.eol === true ? ` | END OF LIFE since ${input.eol.date}` : '';
  const lines = [
    printable(`Target: ${input.inventory.target} | OS: ${os}${eol}`),
    totals(findings),
    '',
    ...layerSummary(input, findings),
  ];
  if (findings.length === 0) return `${lines.join('\n')}No vulnerabilities found.\n`;
  const types = [...new Set(findings.map((f) => purlType(f.purl)))].sort(
    (a, b) => Number(osTypes.has(b)) - Number(osTypes.has(a)) || compareText(a, b),
  );
  for (const type of types) {
    const section = findings.filter((f) => purlType(f.purl) === type);
    const title = printable(sectionTitle(type, os));
    lines.push(title, '='.repeat(title.length), totals(section), '', findingsTable(section), '');
  }
  return `${lines.join('\n')}`;
}
