/**
 * CycloneDX VEX: `vulnerabilities[]` with `analysis.state` and `affects[].ref`. A ref is a purl,
 * a bom-ref of a component in the same document (resolved to its purl), or a BOM-Link
 * (`urn:cdx:…#ref`) whose fragment is resolved the same way; Moat's own `purl|path` bom-refs
 * keep their path. `not_affected`, `false_positive` and `resolved` suppress; other states keep.
 */
import { z } from 'zod';

import { compilePathPattern } from './path-pattern-compile.js';
import { parsePurlPattern } from './purl-match.js';
import { FilterDocumentError } from './read-document.js';
import { vexTimestamp } from './vex-timestamp.js';
import { timestampOf, type VexProduct, type VexStatement } from './vex-statement.js';

const vulnerabilitySchema = z.object({
  id: z.string().min(1),
  references: z.array(z.object({ id: z.string() })).optional(),
  analysis: z
    .object({
      state: z.string().optional(),
      justification: z.string().optional(),
      detail: z.string().optional(),
      lastUpdated: vexTimestamp.optional(),
    })
    .optional(),
  affects: z.array(z.object({ ref: z.string() })).optional(),
  updated: vexTimestamp.optional(),
});

/** The parts of a CycloneDX VEX document Moat reads. */
export const cycloneDxVexSchema = z.object({
  bomFormat: z.literal('CycloneDX'),
  metadata: z.object({ component: z.unknown().optional() }).optional(),
  components: z.array(z.unknown()).optional(),
  vulnerabilities: z.array(vulnerabilitySchema).optional(),
});

/** True when `value` claims to be a CycloneDX document. */
export function looksLikeCycloneDx(value: unknown): boolean {
  return (value as { bomFormat?: unknown } | null)?.bomFormat === 'CycloneDX';
}

const suppressing = new Set(['not_affected', 'false_positive', 'resolved']);
const maxComponentDepth = 32;

/**
 * Normalises a CycloneDX VEX document read from `file`.
 * @throws FilterDocumentError naming the file and the first problem.
 */
export function parseCycloneDxVex(
  value: unknown,
  file: string,
  maxStatements: number,
): VexStatement[] {
  const parsed = cycloneDxVexSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw new FilterDocumentError(
      `${file}: not valid CycloneDX VEX at ${where}: ${issue?.message ?? ''}`,
    );
  }
  const vulnerabilities = parsed.data.vulnerabilities ?? [];
  if (vulnerabilities.length > maxStatements) {
    throw new FilterDocumentError(`${file}: more than ${maxStatements} vulnerabilities`);
  }
  const purls = new Map<string, string>();
  collectPurls([parsed.data.metadata?.component, ...(parsed.data.components ?? [])], purls, 0);
  return vulnerabilities.flatMap((v): VexStatement[] => {
    const state = v.analysis?.state;
    if (state === undefined) return [];
    const timestamp = timestampOf(v.analysis?.lastUpdated ?? v.updated);
    return [
      {
        file,
        format: 'cyclonedx',
        vulnerabilities: [v.id, ...(v.references ?? []).map((r) => r.id)],
        products: (v.affects ?? []).flatMap((a) => productOf(a.ref, purls, file)),
        status: suppressing.has(state)
          ? (state as 'not_affected' | 'false_positive' | 'resolved')
          : 'keep',
        ...(v.analysis?.justification !== undefined
          ? { justification: v.analysis.justification }
          : {}),
        ...(v.analysis?.detail !== undefined ? { statement: v.analysis.detail } : {}),
        ...(timestamp !== undefined ? { timestamp } : {}),
      },
    ];
  });
}

function productOf(ref: string, purls: Map<string, string>, file: string): VexProduct[] {
  const hash = ref.startsWith('urn:cdx:') ? ref.indexOf('#') : -1;
  const local = hash >= 0 ? decodeURIComponent(ref.slice(hash + 1)) : ref;
  const target = purls.get(local) ?? local;
  if (!target.startsWith('pkg:')) return [];
  // Moat names a purl's second and later packages `purl|path` (see report/cyclonedx.ts).
  const bar = target.indexOf('|');
  const purlText = bar >= 0 ? target.slice(0, bar) : target;
  const purl = parsePurlPattern(purlText);
  if (purl === undefined)
    throw new FilterDocumentError(`${file}: "${purlText}" is not a valid purl`);
  const path = bar >= 0 ? target.slice(bar + 1).split('|')[0] : undefined;
  return [
    {
      purl,
      subcomponents: [],
      ...(path !== undefined && path !== '' ? { path: compilePathPattern(path) } : {}),
    },
  ];
}

/** Maps every component's bom-ref to its purl, nested components included. */
function collectPurls(components: unknown[], into: Map<string, string>, depth: number): void {
  if (depth > maxComponentDepth) return;
  for (const component of components) {
    if (typeof component !== 'object' || component === null) continue;
    const { 'bom-ref': ref, purl, components: nested } = component as Record<string, unknown>;
    if (typeof ref === 'string' && typeof purl === 'string') into.set(ref, purl);
    if (Array.isArray(nested)) collectPurls(nested, into, depth + 1);
  }
}
