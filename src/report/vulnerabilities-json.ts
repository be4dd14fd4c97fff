/**
 * Moat's report JSON for `moat scan`: the inventory report of json.ts with `vulnerabilities[]`
 * filled, the findings the filters left out in `suppressed[]` with their reason,
 * `summary.vulnerabilities` counted and the OS end-of-life date when known.
 */
import type { IgnoreReason } from '../filter/types.js';
import type { Finding } from '../match/types.js';
import { buildReport } from './json.js';
import type { Report, ReportSuppressed, ReportVulnerability } from './report-schema.js';
import type { VulnerabilityReportInput } from './vulnerabilities-input.js';
import { compareFindings, countBySeverity, sortedFindings } from './vulnerabilities-order.js';

/** One finding as the report writes it: unknown facts are `null`, never missing. */
export function reportVulnerability(finding: Finding): ReportVulnerability {
  return {
    id: finding.id,
    aliases: [...finding.aliases],
    purl: finding.purl,
    packageName: finding.packageName,
    installedVersion: finding.installedVersion,
    fixedVersions: [...finding.fixedVersions],
    status: finding.status,
    statusSource: finding.statusSource,
    severity: finding.severity,
    sourceSeverity: finding.sourceSeverity ?? null,
    cvss: finding.cvss.map((c) => ({
      version: c.version,
      vector: c.vector,
      score: c.score,
      source: c.source ?? null,
    })),
    title: finding.title,
    description: finding.description ?? null,
    references: [...finding.references],
    layer: finding.layerDigest === undefined ? null : { digest: finding.layerDigest },
    path: finding.path,
    dataSource: finding.dataSource,
    published: finding.published ?? null,
    modified: finding.modified ?? null,
  };
}

/** The report's form of why a finding was left out. */
function reportSuppression(reason: IgnoreReason): ReportSuppressed['suppression'] {
  switch (reason.kind) {
    case 'severity':
      return { kind: 'severity', severity: reason.severity };
    case 'unfixed':
      return { kind: 'unfixed', status: reason.status };
    case 'ignorefile':
      return {
        kind: 'ignorefile',
        file: reason.file,
        line: reason.line,
        statement: reason.statement ?? null,
      };
    case 'vex':
      return {
        kind: 'vex',
        file: reason.file,
        format: reason.format,
        status: reason.status,
        justification: reason.justification ?? null,
        statement: reason.statement ?? null,
      };
  }
}

/** Builds the report object of a scan. */
export function buildScanReport(input: VulnerabilityReportInput): Report {
  const report = buildReport(input.inventory);
  const findings = sortedFindings(input.findings);
  if (report.artifact.os !== null && input.eol !== undefined) {
    report.artifact.os.eol = input.eol.date;
  }
  report.vulnerabilities = findings.map(reportVulnerability);
  const ignored = input.ignored ?? [];
  report.suppressed = [...ignored]
    .sort((a, b) => compareFindings(a.finding, b.finding))
    .map((i) => ({ ...reportVulnerability(i.finding), suppression: reportSuppression(i.reason) }));
  // A Set, not includes(): a scan of a hostile image can carry many warnings.
  const known = new Set(report.warnings);
  for (const warning of input.warnings ?? []) {
    if (!known.has(warning)) report.warnings.push(warning);
  }
  report.summary.vulnerabilities = {
    total: findings.length,
    bySeverity: countBySeverity(findings),
    ignored: input.ignored?.length ?? 0,
  };
  return report;
}

/** Renders a scan as Moat's report JSON. */
export function renderScanJson(input: VulnerabilityReportInput): string {
  return `${JSON.stringify(buildScanReport(input), null, 2)}\n`;
}
