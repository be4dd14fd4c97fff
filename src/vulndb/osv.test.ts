import { describe, expect, it } from 'vitest';

import { osvRecord } from './__fixtures__/osv.js';
import { parseOsvRecord } from './osv.js';

describe('parseOsvRecord', () => {
  it('accepts a record with fields it does not know', () => {
    const result = parseOsvRecord(osvRecord('A', 'npm', 'a', { x_new_field: [1, 2] }), 32);
    expect(result.ok).toBe(true);
  });

  it('rejects a modified that is not a timestamp, naming the record and field', () => {
    const result = parseOsvRecord(osvRecord('A', 'npm', 'a', { modified: 'yesterday' }), 32);
    expect(result).toEqual({ ok: false, reason: 'A: modified: not an RFC 3339 timestamp' });
  });

  it('rejects a record nested deeper than the limit', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = { deep };
    const result = parseOsvRecord(osvRecord('A', 'npm', 'a', { database_specific: deep }), 32);
    expect(result).toEqual({ ok: false, reason: 'A: nested deeper than 32 levels' });
  });

  it('rejects a value that is not an object', () => {
    expect(parseOsvRecord(7, 32)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^not an object/) as unknown,
    });
  });
});
