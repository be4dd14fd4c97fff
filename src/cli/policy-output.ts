/**
 * How `moat policy check` prints a decision: a table (one line per rule), the decision as JSON,
 * or a Kubernetes PolicyReport (`wgpolicyk8s.io/v1alpha2`, the Policy Working Group's report that
 * Kyverno, Trivy Operator and Policy Reporter read), one result per rule.
 */
import type { Decision, RuleResult } from '../policy/types.js';

/** The output formats. */
export const decisionFormats = ['table', 'json', 'policyreport'] as const;

/** One of {@link decisionFormats}. */
export type DecisionFormat = (typeof decisionFormats)[number];

/** Renders `decision`; the table counts the scan's `warnings` under it. */
export function renderDecision(
  decision: Decision,
  format: DecisionFormat,
  warnings: readonly string[] = [],
): string {
  if (format === 'json') return `${JSON.stringify(decision, null, 2)}\n`;
  if (format === 'policyreport') return `${JSON.stringify(policyReport(decision), null, 2)}\n`;
  return table(decision, warnings);
}

/** What a rule's outcome is in a report: a failing `warn` rule is `warn`. */
function reportResult(result: RuleResult): 'pass' | 'fail' | 'warn' | 'error' {
  if (result.outcome === 'fail' && result.action === 'warn') return 'warn';
  return result.outcome;
}

function table(decision: Decision, warnings: readonly string[]): string {
  const rows = decision.results.map((r) => [
    r.rule,
    r.check,
    r.action,
    reportResult(r).toUpperCase(),
    r.message,
  ]);
  const header = ['RULE', 'CHECK', 'ACTION', 'RESULT', 'MESSAGE'];
  const widths = header.map((h) => h.length);
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  }
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const denying = decision.results.filter((r) => r.action === 'deny' && r.outcome !== 'pass');
  const warned = decision.results.filter((r) => r.action === 'warn' && r.outcome !== 'pass');
  const verdict = decision.allowed
    ? `ALLOWED by policy ${decision.policy}${warned.length > 0 ? ` with ${warned.length} warning${warned.length === 1 ? '' : 's'}` : ''}`
    : `DENIED by policy ${decision.policy}: ${denying.map((r) => r.rule).join(', ')}`;
  const subject = `${decision.reference}${decision.digest !== '' ? ` (${decision.digest})` : ''}`;
  return [
    subject,
    '',
    line(header),
    ...rows.map(line),
    '',
    verdict,
    // The warnings themselves went to stderr as they arose (as with moat scan's table).
    ...(warnings.length > 0
      ? [
          `${warnings.length} scan warning${warnings.length === 1 ? '' : 's'} (on stderr unless --quiet)`,
        ]
      : []),
    '',
  ].join('\n');
}

/** A `wgpolicyk8s.io/v1alpha2` PolicyReport of one decision. */
function policyReport(decision: Decision): Record<string, unknown> {
  const seconds = Math.floor(Date.parse(decision.evaluatedAt) / 1000);
  const summary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  const results = decision.results.map((r) => {
    const result = reportResult(r);
    summary[result]++;
    return {
      policy: decision.policy,
      rule: r.rule,
      result,
      message: r.message,
      category: r.check,
      severity: r.action === 'deny' ? 'high' : 'medium',
      scored: true,
      source: 'moat',
      timestamp: { seconds, nanos: 0 },
      properties: {
        image: decision.reference,
        ...(decision.digest !== '' ? { digest: decision.digest } : {}),
        action: r.action,
        policyHash: decision.policyHash,
      },
    };
  });
  return {
    apiVersion: 'wgpolicyk8s.io/v1alpha2',
    kind: 'PolicyReport',
    metadata: {
      name: reportName(decision),
      labels: { 'app.kubernetes.io/managed-by': 'moat' },
      annotations: {
        'moat.dev/image': decision.reference,
        'moat.dev/allowed': String(decision.allowed),
      },
    },
    summary,
    results,
  };
}

/** A DNS-1123 name: `moat-<policy>-<first 12 hex of the digest>`, at most 63 characters. */
function reportName(decision: Decision): string {
  const policy = decision.policy.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  const digest = decision.digest.replace(/^sha256:/, '').slice(0, 12);
  const name = `moat-${policy}${digest !== '' ? `-${digest}` : ''}`.slice(0, 63);
  return name.replace(/-+$/, '');
}
