/**
 * Reading a signed document (simple-signing payload, DSSE envelope, in-toto statement) from
 * untrusted bytes: a size bound first, then JSON, then its zod schema, each failure one
 * `SIGNATURE_INVALID` line naming the source, the kind of document and the first schema issue.
 */
import type { z } from 'zod';

import { SignError } from '../../errors.js';

/** What {@link parseBoundedJson} reads: the document's name in messages, its bound, its shape. */
export interface BoundedJsonDocument<Schema extends z.ZodType> {
  /** `signature payload`, `DSSE envelope`, … */
  what: string;
  /** The shape's name after "not a": `simple-signing payload`, … */
  shape: string;
  maxBytes: number;
  schema: Schema;
}

/**
 * Parses `bytes` as `document` says, or throws `SIGNATURE_INVALID`. Returns the schema's output
 * and the JSON as parsed (zod rebuilds records by assignment, which drops a `__proto__` key).
 */
export function parseBoundedJson<Schema extends z.ZodType>(
  bytes: Buffer,
  source: string,
  document: BoundedJsonDocument<Schema>,
): { data: z.output<Schema>; json: unknown } {
  if (bytes.length > document.maxBytes) {
    throw new SignError(
      'SIGNATURE_INVALID',
      `${source}: ${document.what} is ${bytes.length} bytes, over the ${document.maxBytes}-byte limit`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new SignError('SIGNATURE_INVALID', `${source}: ${document.what} is not JSON`, {
      cause: error,
    });
  }
  const parsed = document.schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : ` at ${issue.path.join('.') || '(root)'}`;
    throw new SignError(
      'SIGNATURE_INVALID',
      `${source}: not a${/^[aeiou]/i.test(document.shape) ? 'n' : ''} ${document.shape}${where}: ${issue?.message ?? 'invalid'}`,
      { cause: parsed.error },
    );
  }
  return { data: parsed.data, json };
}
