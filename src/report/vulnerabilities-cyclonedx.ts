/**
 * CycloneDX 1.6 with vulnerabilities (`moat scan --format cyclonedx-json`): the SBOM of
 * cyclonedx.ts plus one `vulnerabilities[]` entry per finding — id, source, aliases as
 * references, ratings (each CVSS vector with its method, and the source's own rating as `other`),
 * fixes as recommendation, `affects` pointing at the package component's bom-ref. Findings a VEX
 * document suppressed are listed too, with the VEX verdict as `analysis`, as CycloneDX VEX does.
 */
import { Enums, Models } from '@cyclonedx/cyclonedx-library';

import type { IgnoredFinding } from '../filter/types.js';
import type { CvssScore, Finding, Severity } from '../match/types.js';
import { bomRefKey, buildCycloneDxBom, serializeCycloneDx } from './cyclonedx.js';
import type { RenderOptions } from './render-options.js';
import type { VulnerabilityReportInput } from './vulnerabilities-input.js';
import { sortedFindings } from './vulnerabilities-order.js';

const { AnalysisJustification, AnalysisState, RatingMethod } = Enums.Vulnerability;
type VexReason = Extract<IgnoredFinding['reason'], { kind: 'vex' }>;

const methods: Record<CvssScore['version'], Enums.Vulnerability.RatingMethod> = {
  '2.0': RatingMethod.CVSSv2,
  '3.0': RatingMethod.CVSSv3,
  '3.1': RatingMethod.CVSSv31,
  '4.0': RatingMethod.CVSSv4,
};

const severities: Record<Severity, Enums.Vulnerability.Severity> = {
  CRITICAL: Enums.Vulnerability.Severity.Critical,
  HIGH: Enums.Vulnerability.Severity.High,
  MEDIUM: Enums.Vulnerability.Severity.Medium,
  LOW: Enums.Vulnerability.Severity.Low,
  UNKNOWN: Enums.Vulnerability.Severity.Unknown,
};

/** OpenVEX justifications in CycloneDX terms (the mapping Trivy uses). */
const justifications: Record<string, Enums.Vulnerability.AnalysisJustification> = {
  component_not_present: AnalysisJustification.CodeNotPresent,
  vulnerable_code_not_present: AnalysisJustification.CodeNotPresent,
  vulnerable_code_not_in_execute_path: AnalysisJustification.CodeNotReachable,
  vulnerable_code_cannot_be_controlled_by_adversary: AnalysisJustification.RequiresEnvironment,
  inline_mitigations_already_exist: AnalysisJustification.ProtectedByMitigatingControl,
  ...Object.fromEntries(Object.values(AnalysisJustification).map((j) => [j, j])),
};

/** The severity CVSS assigns a score (qualitative rating scale, v3.x/v4). */
function severityOfScore(score: number): Enums.Vulnerability.Severity {
  if (score >= 9) return Enums.Vulnerability.Severity.Critical;
  if (score >= 7) return Enums.Vulnerability.Severity.High;
  if (score >= 4) return Enums.Vulnerability.Severity.Medium;
  if (score > 0) return Enums.Vulnerability.Severity.Low;
  return Enums.Vulnerability.Severity.None;
}

function ratingsOf(finding: Finding): Models.Vulnerability.Rating[] {
  const ratings = finding.cvss.map(
    (c) =>
      new Models.Vulnerability.Rating({
        method: methods[c.version],
        score: c.score,
        vector: c.vector,
        severity: severityOfScore(c.score),
        ...(c.source !== undefined
          ? { source: new Models.Vulnerability.Source({ name: c.source }) }
          : {}),
      }),
  );
  const own = finding.sourceSeverity ?? (ratings.length === 0 ? finding.severity : undefined);
  if (own !== undefined) {
    ratings.push(
      new Models.Vulnerability.Rating({
        method: RatingMethod.Other,
        severity: severities[own],
        source: new Models.Vulnerability.Source({ name: finding.dataSource }),
      }),
    );
  }
  return ratings;
}

function analysisOf(reason: VexReason): Models.Vulnerability.Analysis {
  const state =
    reason.status === 'not_affected'
      ? AnalysisState.NotAffected
      : reason.status === 'false_positive'
        ? AnalysisState.FalsePositive
        : AnalysisState.Resolved;
  const justification =
    reason.justification === undefined || !Object.hasOwn(justifications, reason.justification)
      ? undefined
      : justifications[reason.justification];
  return new Models.Vulnerability.Analysis({
    state,
    ...(justification !== undefined ? { justification } : {}),
    ...(reason.statement !== undefined ? { detail: reason.statement } : {}),
  });
}

function dateOf(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function vulnerabilityOf(
  finding: Finding,
  ref: Models.BomRef | undefined,
  vex: VexReason | undefined,
): Models.Vulnerability.Vulnerability {
  const url = finding.references[0];
  const vulnerability = new Models.Vulnerability.Vulnerability({
    id: finding.id,
    source: new Models.Vulnerability.Source({
      name: finding.dataSource,
      ...(url !== undefined ? { url } : {}),
    }),
    description: finding.title,
    ...(finding.description !== undefined ? { detail: finding.description } : {}),
    ...(finding.fixedVersions.length > 0
      ? {
          recommendation: `Upgrade ${finding.packageName} to ${finding.fixedVersions.join(' or ')}`,
        }
      : {}),
    ...(dateOf(finding.published) !== undefined ? { published: dateOf(finding.published) } : {}),
    ...(dateOf(finding.modified) !== undefined ? { updated: dateOf(finding.modified) } : {}),
    ...(vex !== undefined ? { analysis: analysisOf(vex) } : {}),
  });
  for (const alias of finding.aliases) {
    vulnerability.references.add(
      new Models.Vulnerability.Reference(
        alias,
        new Models.Vulnerability.Source({
          url: `https://osv.dev/vulnerability/${encodeURIComponent(alias)}`,
        }),
      ),
    );
  }
  for (const rating of ratingsOf(finding)) vulnerability.ratings.add(rating);
  if (ref !== undefined) {
    const status =
      vex === undefined
        ? Enums.Vulnerability.AffectStatus.Affected
        : Enums.Vulnerability.AffectStatus.Unaffected;
    vulnerability.affects.add(
      new Models.Vulnerability.Affect(ref, {
        versions: new Models.Vulnerability.AffectedVersionRepository([
          new Models.Vulnerability.AffectedSingleVersion(finding.installedVersion, { status }),
        ]),
      }),
    );
  }
  const properties: Array<[string, string | undefined]> = [
    ['moat:status', finding.status],
    ['moat:status-source', finding.statusSource],
    ['moat:layer:digest', finding.layerDigest],
    ['moat:package:path', finding.path],
    ['moat:vex:file', vex?.file],
  ];
  for (const [name, value] of properties) {
    if (value !== undefined && value !== '')
      vulnerability.properties.add(new Models.Property(name, value));
  }
  return vulnerability;
}

/** Renders a scan as a CycloneDX 1.6 JSON document with vulnerabilities. */
export function renderScanCycloneDx(
  input: VulnerabilityReportInput,
  options: RenderOptions = {},
): string {
  const { bom, bomRefs } = buildCycloneDxBom(input.inventory, options);
  const refOf = (f: Finding) => bomRefs.get(bomRefKey(f.purl, f.path));
  for (const finding of sortedFindings(input.findings)) {
    bom.vulnerabilities.add(vulnerabilityOf(finding, refOf(finding), undefined));
  }
  const vexed = (input.ignored ?? []).flatMap((i) =>
    i.reason.kind === 'vex' ? [{ ...i, reason: i.reason }] : [],
  );
  for (const { finding, reason } of vexed) {
    bom.vulnerabilities.add(vulnerabilityOf(finding, refOf(finding), reason));
  }
  return serializeCycloneDx(bom);
}
