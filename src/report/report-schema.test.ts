import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { reportSchema } from './report-schema.js';

/** Every field path of a schema, e.g. `artifact.layers[].digest`. */
function fieldPaths(schema: z.ZodType, prefix = ''): string[] {
  if (schema instanceof z.ZodNullable || schema instanceof z.ZodOptional) {
    return fieldPaths(schema.unwrap() as z.ZodType, prefix);
  }
  if (schema instanceof z.ZodArray) return fieldPaths(schema.element as z.ZodType, `${prefix}[]`);
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, value]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return [path, ...fieldPaths(value, path)];
  });
}

/** The field names in the first column of the tables of docs/report-format.md. */
function documentedFields(): string[] {
  const doc = readFileSync(new URL('../../docs/report-format.md', import.meta.url), 'utf8');
  return [...doc.matchAll(/^\| `([^`]+)`\s*\|/gm)].map((match) => match[1] ?? '');
}

describe('reportSchema', () => {
  test('every field of the schema is documented in docs/report-format.md', () => {
    const documented = documentedFields();
    // A table row names a field by its last segments: `os.family`, `layers[].digest`, `name`.
    const undocumented = fieldPaths(reportSchema).filter(
      (path) => !documented.some((field) => path === field || path.endsWith(`.${field}`)),
    );
    expect(undocumented).toEqual([]);
  });
});
