/**
 * The OSV record (schema 1.6+, https://ossf.github.io/osv-schema/) as Moat reads it: validated
 * with zod at the boundary, lenient on fields it does not know (they are kept in the stored JSON),
 * strict on what matching relies on (id, modified, affected packages and range events).
 */
import { z } from 'zod';

const timestamp = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'not an RFC 3339 timestamp');

const severitySchema = z.object({
  // CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu… kept open: new types must not reject whole records.
  type: z.string().min(1),
  score: z.string(),
});

const eventSchema = z
  .object({
    introduced: z.string().optional(),
    fixed: z.string().optional(),
    last_affected: z.string().optional(),
    limit: z.string().optional(),
  })
  .refine(
    (event) =>
      [event.introduced, event.fixed, event.last_affected, event.limit].filter(
        (value) => value !== undefined,
      ).length === 1,
    'an event needs exactly one of introduced, fixed, last_affected, limit',
  );

const rangeSchema = z.object({
  // ECOSYSTEM, SEMVER or GIT; the matcher ignores types it does not know.
  type: z.string().min(1),
  repo: z.string().optional(),
  events: z.array(eventSchema).min(1),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});

const affectedSchema = z.object({
  package: z
    .object({
      ecosystem: z.string().min(1),
      name: z.string().min(1),
      purl: z.string().optional(),
    })
    .optional(),
  severity: z.array(severitySchema).optional(),
  ranges: z.array(rangeSchema).optional(),
  versions: z.array(z.string()).optional(),
  ecosystem_specific: z.record(z.string(), z.unknown()).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});

/** The zod schema of one OSV record. */
export const osvRecordSchema = z.object({
  schema_version: z.string().optional(),
  id: z.string().min(1).max(256),
  modified: timestamp,
  published: timestamp.optional(),
  withdrawn: timestamp.optional(),
  aliases: z.array(z.string()).optional(),
  upstream: z.array(z.string()).optional(),
  related: z.array(z.string()).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(severitySchema).optional(),
  affected: z.array(affectedSchema).optional(),
  references: z.array(z.object({ type: z.string(), url: z.string() })).optional(),
  credits: z.array(z.unknown()).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});

/** One OSV record. Fields Moat does not model are present at run time but not typed. */
export type OsvRecord = z.infer<typeof osvRecordSchema>;
/** One entry of `affected[]`. */
export type OsvAffected = z.infer<typeof affectedSchema>;
/** One entry of `affected[].ranges[]`. */
export type OsvRange = z.infer<typeof rangeSchema>;
/** One range event: exactly one of its fields is set. */
export type OsvEvent = z.infer<typeof eventSchema>;

/** The outcome of validating one untrusted value as an OSV record. */
export type OsvParseResult = { ok: true; record: OsvRecord } | { ok: false; reason: string };

/** Validates `value` as an OSV record; the reason names the record id when there is one. */
export function parseOsvRecord(value: unknown, maxDepth: number): OsvParseResult {
  const id = idOf(value);
  if (depthOf(value, maxDepth) > maxDepth) {
    return { ok: false, reason: `${id}: nested deeper than ${maxDepth} levels` };
  }
  const result = osvRecordSchema.safeParse(value);
  if (result.success) return { ok: true, record: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, reason: `${id}: ${where}${issue?.message ?? 'invalid'}` };
}

function idOf(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' && id !== '' ? id.slice(0, 256) : 'record without id';
}

/** Nesting depth of `value`, counting stops a little past `limit`. */
function depthOf(value: unknown, limit: number): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (limit < 0) return 1;
  let deepest = 0;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, limit - 1));
    if (deepest > limit) break;
  }
  return deepest + 1;
}
