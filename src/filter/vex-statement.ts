/**
 * VEX statements in one shape whatever the document format, and how they apply to findings: a
 * statement applies when it names the finding's vulnerability (by id or alias) and a product
 * whose purl matches the finding's package. When several apply, the latest wins (by timestamp,
 * then by order of appearance), as OpenVEX specifies.
 */
import type { Finding } from '../match/types.js';
import { pathMatches, type PathPattern } from './path-pattern.js';
import { purlMatches, type PurlPattern } from './purl-match.js';
import type { FilterOutcome, VexSuppression } from './types.js';

/** A product a statement speaks of: a package purl, or an image with package subcomponents. */
export interface VexProduct {
  purl: PurlPattern;
  /** Packages inside the product; when present, they (not the product) are matched. */
  subcomponents: PurlPattern[];
  /** Limits the product to packages declared at this path (Moat's `purl|path` bom-refs). */
  path?: PathPattern;
}

/** One VEX statement, normalised. */
export interface VexStatement {
  file: string;
  format: 'openvex' | 'cyclonedx';
  /** Every id the vulnerability goes by. */
  vulnerabilities: string[];
  products: VexProduct[];
  /** `keep` for affected / under investigation / exploitable / in triage. */
  status: VexSuppression | 'keep';
  justification?: string;
  statement?: string;
  /** Milliseconds since the epoch, when the document dated the statement. */
  timestamp?: number;
}

/** Facts about the scanned image that decide whether an image product is this image. */
export interface VexSubject {
  /** Digests the image goes by (manifest digest, config digest). */
  digests: string[];
}

/** True when `statement` speaks of `finding` in the scanned image. */
export function vexStatementApplies(
  statement: VexStatement,
  finding: Finding,
  subject: VexSubject,
): boolean {
  const ids = new Set([finding.id, ...finding.aliases]);
  if (!statement.vulnerabilities.some((id) => ids.has(id))) return false;
  return statement.products.some((product) => productCovers(product, finding, subject));
}

function productCovers(product: VexProduct, finding: Finding, subject: VexSubject): boolean {
  if (product.path !== undefined && !pathMatches(product.path, finding.path)) return false;
  if (product.subcomponents.length === 0) return purlMatches(product.purl, finding.purl);
  const { type, version } = product.purl.parsed;
  // An image named by digest must be this image; an image named without one is taken as it.
  if (type === 'oci' && version !== undefined && !subject.digests.includes(version)) return false;
  return product.subcomponents.some((sub) => purlMatches(sub, finding.purl));
}

/** Leaves out the findings whose latest applicable statement says they do not apply. */
export function applyVex(
  findings: readonly Finding[],
  statements: readonly VexStatement[],
  subject: VexSubject = { digests: [] },
): FilterOutcome {
  const ordered = statements
    .map((statement, order) => ({ statement, order }))
    .sort(
      (a, b) => (a.statement.timestamp ?? 0) - (b.statement.timestamp ?? 0) || a.order - b.order,
    )
    .map(({ statement }) => statement);
  const outcome: FilterOutcome = { kept: [], ignored: [] };
  for (const finding of findings) {
    const latest = ordered.findLast((s) => vexStatementApplies(s, finding, subject));
    if (latest === undefined || latest.status === 'keep') {
      outcome.kept.push(finding);
      continue;
    }
    outcome.ignored.push({
      finding,
      reason: {
        kind: 'vex',
        file: latest.file,
        format: latest.format,
        status: latest.status,
        ...(latest.justification !== undefined ? { justification: latest.justification } : {}),
        ...(latest.statement !== undefined ? { statement: latest.statement } : {}),
      },
    });
  }
  return outcome;
}

/** Milliseconds for an RFC 3339 timestamp; undefined when absent or unparsable. */
export function timestampOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
