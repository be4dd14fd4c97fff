/**
 * Turns one document's bytes into candidate OSV values: JSON (one record, or an array of
 * records) or YAML (PyPA's advisory database), with YAML aliases capped against expansion bombs.
 * A malformed document is reported and skipped; an alias bomb is an attack, not a typo, and
 * stops the import.
 */
import { LimitExceededError } from '../errors.js';
import type { DocumentFormat } from './documents.js';
import type { VulnDbLimits } from './limits.js';

type Yaml = typeof import('yaml');
// Loaded on the first YAML document: most sources are JSON only.
let yaml: Yaml | undefined;

/** The values of a document, or why it could not be parsed. */
export type DecodedDocument = { ok: true; values: unknown[] } | { ok: false; reason: string };

/** What `yaml` throws when aliases expand past `maxAliasCount` (its own words, yaml 2.x). */
const ALIAS_BOMB = /Excessive alias count/;

/**
 * Parses `data` (the document `origin`) as `format`; an array at the top level is a list of
 * records.
 * @throws LimitExceededError naming `origin` when YAML aliases expand past the limit.
 */
export async function decodeDocument(
  data: Buffer,
  format: DocumentFormat,
  limits: VulnDbLimits,
  origin: string,
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
    if (error instanceof ReferenceError && ALIAS_BOMB.test(error.message)) {
      throw new LimitExceededError(
        `${origin}: YAML aliases expand past the limit of ${limits.maxYamlAliases} uses`,
        { cause: error },
      );
    }
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, reason: `not valid ${format.toUpperCase()}: ${reason}` };
  }
  return { ok: true, values: Array.isArray(value) ? value : [value] };
}
