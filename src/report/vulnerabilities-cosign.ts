/**
 * `moat scan --format cosign-vuln`: cosign's vulnerability attestation predicate
 * (`https://cosign.sigstore.dev/attestation/vuln/v1`, cosign `pkg/cosign/attestation`,
 * `CosignVulnPredicate`): `invocation`, `scanner` (`uri`, `version`, `db`, `result`) and
 * `metadata` (`scanStartedOn`, `scanFinishedOn`). The result is Moat's report JSON; the document
 * is what `moat attest --type vuln --predicate FILE` wraps in an in-toto statement.
 */
import type { Report } from './report-schema.js';
import type { RenderOptions } from './render-options.js';
import type { VulnerabilityReportInput } from './vulnerabilities-input.js';
import { buildScanReport } from './vulnerabilities-json.js';

/** The predicate type a cosign-vuln document is attested under (`--type vuln`). */
export const cosignVulnPredicateType = 'https://cosign.sigstore.dev/attestation/vuln/v1';

/** cosign's `CosignVulnPredicate`, field names as its JSON tags spell them. */
export interface CosignVulnPredicate {
  invocation: { parameters: unknown; uri: string; event_id: string; 'builder.id': string };
  scanner: {
    uri: string;
    version: string;
    db: { uri: string; version: string };
    result: Report;
  };
  metadata: { scanStartedOn: string; scanFinishedOn: string };
}

/**
 * Builds the predicate of a scan. Without the scan's times (a library caller that did not time
 * it) both are the time of rendering: cosign's Go type requires them.
 */
export function buildCosignVulnPredicate(
  input: VulnerabilityReportInput,
  options: RenderOptions = {},
): CosignVulnPredicate {
  const version = options.toolVersion ?? 'unknown';
  const now = new Date().toISOString();
  return {
    // Moat runs outside any build system, so there is no invocation to describe (Trivy leaves
    // these empty too); the fields stay because cosign's type has them without omitempty.
    invocation: { parameters: null, uri: '', event_id: '', 'builder.id': '' },
    scanner: {
      uri: `pkg:generic/moat@${version}`,
      version,
      db: { uri: input.database?.uri ?? '', version: input.database?.version ?? '' },
      result: buildScanReport(input),
    },
    metadata: {
      scanStartedOn: input.scannedAt?.startedOn ?? now,
      scanFinishedOn: input.scannedAt?.finishedOn ?? now,
    },
  };
}

/** Renders a scan as cosign's vulnerability attestation predicate (JSON). */
export function renderScanCosignVuln(
  input: VulnerabilityReportInput,
  options: RenderOptions = {},
): string {
  return `${JSON.stringify(buildCosignVulnPredicate(input, options), null, 2)}\n`;
}
