/**
 * Turns one document's bytes into candidate OSV values: JSON (one record, or an array of
 * records) or YAML (PyPA's advisory database), with YAML aliases capped against expansion bombs.
 */
import type { DocumentFormat } from './documents.js';
import type { VulnDbLimits } from './limits.js';

type Yaml = typeof import('yaml');
// Loaded on the first YAML document: most sources are JSON only.
let yaml: Yaml | undefined;

/** The values of a document, or why it could not be parsed. */
export type DecodedDocument = { ok: true; values: unknown[] } | { ok: false; reason: string };

/** Parses `data` as `format`; an array at the top level is a list of records. */
export async function decodeDocument(
  data: Buffer,
  format: DocumentFormat,
  limits: VulnDbLimits,
): Promise<DecodedDocument> {
  let value: unknown;
  try {
    const text = data.toString('utf8');
    if (format === 'json') value = JSON.parse(text);
    else {
      yaml ??= await import('yaml');
      // logLevel 'error': yaml.parse would print each YAMLWarning object to stderr itself.
      value = yaml.parse(text, {
        maxAliasCount: limits.maxYamlAliases,
        uniqueKeys: false,
        logLevel: 'error',
      });
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, reason: `not valid ${format.toUpperCase()}: ${reason}` };
  }
  return { ok: true, values: Array.isArray(value) ? value : [value] };
}
