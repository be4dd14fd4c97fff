import { describe, expect, it } from 'vitest';

import type { AuditEvent } from '../model.js';
import { auditLimits, auditRowFields, boundedText } from './sanitize.js';

const base: AuditEvent = {
  actor: 'alice',
  actorKind: 'user',
  clientIp: '::1',
  action: 'auth.login',
  target: 'user:alice',
  outcome: 'success',
};

describe('audit field bounds', () => {
  it('cuts oversized text, marking the cut', () => {
    const text = boundedText('x'.repeat(5_000), auditLimits.target);
    expect(text).toHaveLength(auditLimits.target);
    expect(text.endsWith('…')).toBe(true);
  });

  it('replaces NUL and lone surrogates, keeps pairs and confusables as they are', () => {
    expect(boundedText('a\0b', 10)).toBe('a\uFFFDb');
    expect(boundedText('\uDC00x\uD800', 10)).toBe('\uFFFDx\uFFFD');
    expect(boundedText('🚢 аdmin', 20)).toBe('🚢 аdmin');
  });

  it('does not leave half a surrogate pair at a cut', () => {
    const text = boundedText('🚢'.repeat(10), 6);
    expect(text).toBe('🚢🚢\uFFFD…');
  });

  it('writes details as canonical JSON: sorted keys, bounded count and values', () => {
    const fields = auditRowFields({ ...base, details: { b: 1, a: 'x', c: true, d: null } }, 5);
    expect(fields.details).toBe('{"a":"x","b":1,"c":true,"d":null}');
    const many = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'.repeat(5000)]),
    );
    const bounded = JSON.parse(
      auditRowFields({ ...base, details: many }, 5).details ?? '{}',
    ) as Record<string, string>;
    expect(Object.keys(bounded)).toHaveLength(auditLimits.detailKeys);
    expect(Object.values(bounded).every((v) => v.length <= auditLimits.detailValue)).toBe(true);
    expect(auditRowFields({ ...base, details: { n: Number.NaN } }, 5).details).toBe('{"n":null}');
    expect(auditRowFields({ ...base, details: {} }, 5).details).toBeNull();
  });

  it('coerces an unknown actor kind or outcome rather than throwing', () => {
    const odd = { ...base, actorKind: 'root', outcome: 'maybe' } as unknown as AuditEvent;
    expect(auditRowFields(odd, 1)).toMatchObject({ actorKind: 'system', outcome: 'failure' });
  });
});
