/**
 * OpenVEX documents (https://github.com/openvex/spec): each statement names a vulnerability
 * (`name`, `@id`, `aliases`; a bare string in early drafts), products by purl (`@id` or
 * `identifiers.purl`, with optional `subcomponents`) and a status. `not_affected` and `fixed`
 * suppress the finding; `affected` and `under_investigation` keep it.
 */
import { z } from 'zod';

import { parsePurlPattern, type PurlPattern } from './purl-match.js';
import { FilterDocumentError } from './read-document.js';
import { vexTimestamp } from './vex-timestamp.js';
import { timestampOf, type VexProduct, type VexStatement } from './vex-statement.js';

const component = z.union([
  z.string(),
  z.object({
    '@id': z.string().optional(),
    identifiers: z.object({ purl: z.string().optional() }).optional(),
  }),
]);

const product = z.union([
  z.string(),
  z.object({
    '@id': z.string().optional(),
    identifiers: z.object({ purl: z.string().optional() }).optional(),
    subcomponents: z.array(component).optional(),
  }),
]);

const statementSchema = z.object({
  vulnerability: z.union([
    z.string(),
    z.object({
      name: z.string().optional(),
      '@id': z.string().optional(),
      aliases: z.array(z.string()).optional(),
    }),
  ]),
  products: z.array(product).optional(),
  status: z.enum(['not_affected', 'affected', 'fixed', 'under_investigation']),
  justification: z.string().optional(),
  impact_statement: z.string().optional(),
  status_notes: z.string().optional(),
  timestamp: vexTimestamp.optional(),
});

/** The parts of an OpenVEX document Moat reads. */
export const openVexSchema = z.object({
  '@context': z.string().startsWith('https://openvex.dev/ns'),
  timestamp: vexTimestamp.optional(),
  statements: z.array(statementSchema),
});

/** True when `value` claims to be an OpenVEX document. */
export function looksLikeOpenVex(value: unknown): boolean {
  const context = (value as { '@context'?: unknown } | null)?.['@context'];
  return typeof context === 'string' && context.startsWith('https://openvex.dev/ns');
}

/**
 * Normalises an OpenVEX document read from `file`.
 * @throws FilterDocumentError naming the file and the first problem.
 */
export function parseOpenVex(value: unknown, file: string, maxStatements: number): VexStatement[] {
  const parsed = openVexSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw new FilterDocumentError(
      `${file}: not valid OpenVEX at ${where}: ${issue?.message ?? ''}`,
    );
  }
  const { statements } = parsed.data;
  if (statements.length > maxStatements) {
    throw new FilterDocumentError(`${file}: more than ${maxStatements} statements`);
  }
  const documentTime = timestampOf(parsed.data.timestamp);
  return statements.map((s, index): VexStatement => {
    const vulnerability =
      typeof s.vulnerability === 'string' ? { name: s.vulnerability } : s.vulnerability;
    const ids = [vulnerability.name, ...(vulnerability.aliases ?? [])].filter(
      (id): id is string => id !== undefined && id !== '',
    );
    if (ids.length === 0) {
      throw new FilterDocumentError(`${file}: statement ${index + 1} names no vulnerability`);
    }
    const timestamp = timestampOf(s.timestamp) ?? documentTime;
    const statement = s.impact_statement ?? s.status_notes;
    return {
      file,
      format: 'openvex',
      vulnerabilities: ids,
      products: (s.products ?? []).flatMap((p) => productOf(p, file)),
      status: s.status === 'not_affected' || s.status === 'fixed' ? s.status : 'keep',
      ...(s.justification !== undefined ? { justification: s.justification } : {}),
      ...(statement !== undefined ? { statement } : {}),
      ...(timestamp !== undefined ? { timestamp } : {}),
    };
  });
}

function productOf(value: z.infer<typeof product>, file: string): VexProduct[] {
  const purl = purlOf(value, file);
  if (purl === undefined) return [];
  const subs = typeof value === 'string' ? [] : (value.subcomponents ?? []);
  return [
    {
      purl,
      subcomponents: subs.flatMap((sub) => {
        const pattern = purlOf(sub, file);
        return pattern === undefined ? [] : [pattern];
      }),
    },
  ];
}

/** The purl identifying a product or component; non-purl ids (URLs, hashes) identify nothing here. */
function purlOf(value: z.infer<typeof component>, file: string): PurlPattern | undefined {
  const text =
    typeof value === 'string'
      ? value
      : (value.identifiers?.purl ?? (value['@id']?.startsWith('pkg:') ? value['@id'] : undefined));
  if (text === undefined || !text.startsWith('pkg:')) return undefined;
  const pattern = parsePurlPattern(text);
  if (pattern === undefined)
    throw new FilterDocumentError(`${file}: "${text}" is not a valid purl`);
  return pattern;
}
