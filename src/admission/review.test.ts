import { describe, expect, test } from 'vitest';

import { reviewOfObject, podSpec, workload } from './__fixtures__/reviews.js';
import { admissionLimits } from './limits.js';
import { boundedWarnings, parseAdmissionReview } from './review.js';

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('parseAdmissionReview', () => {
  test('reads the uid, kind, resource, namespace, operation and object of a v1 review', () => {
    const review = reviewOfObject(workload('Deployment', podSpec(['nginx:1.27'])), { uid: 'u-1' });
    const parsed = parseAdmissionReview(bytes(review), admissionLimits);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.request).toMatchObject({
      uid: 'u-1',
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      namespace: 'default',
      operation: 'CREATE',
    });
  });

  test('a body that is not JSON is refused without a uid', () => {
    const parsed = parseAdmissionReview(Buffer.from('{"request": '), admissionLimits);
    expect(parsed).toMatchObject({ ok: false });
    if (parsed.ok) return;
    expect(parsed.uid).toBeUndefined();
    expect(parsed.error.code).toBe('ADMISSION_INVALID');
    expect(parsed.error.message).toContain('not JSON');
  });

  test('a v1beta1 review is refused naming the version, the uid kept for the answer', () => {
    const review = { ...reviewOfObject(workload('Pod', podSpec(['a'])), { uid: 'u-2' }) };
    review.apiVersion = 'admission.k8s.io/v1beta1';
    const parsed = parseAdmissionReview(bytes(review), admissionLimits);
    expect(parsed).toMatchObject({ ok: false, uid: 'u-2' });
    if (parsed.ok) return;
    expect(parsed.error.message).toContain('admissionReviewVersions');
  });

  test('a request without a uid or with an unknown operation is refused naming the field', () => {
    const review = reviewOfObject(workload('Pod', podSpec(['a'])));
    const request = review.request as Record<string, unknown>;
    const withoutUid = { ...review, request: { ...request, uid: undefined } };
    const noUid = parseAdmissionReview(bytes(withoutUid), admissionLimits);
    expect(!noUid.ok && noUid.error.message).toContain('request.uid');
    const badOp = { ...review, request: { ...request, operation: 'PATCH' } };
    const parsed = parseAdmissionReview(bytes(badOp), admissionLimits);
    expect(!parsed.ok && parsed.error.message).toContain('request.operation');
  });

  test('a body larger than the limit is refused before it is parsed', () => {
    const limits = { ...admissionLimits, maxBodyBytes: 1000 };
    const review = reviewOfObject(workload('Pod', podSpec(['x'.repeat(2000)])));
    const parsed = parseAdmissionReview(bytes(review), limits);
    expect(!parsed.ok && parsed.error.code).toBe('LIMIT_EXCEEDED');
  });

  test('JSON nested a million levels deep is refused by the depth limit, not a stack overflow', () => {
    const deep = Buffer.from(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
    const parsed = parseAdmissionReview(deep, admissionLimits);
    expect(!parsed.ok && parsed.error.message).toContain('nested deeper');
  });

  test('brackets inside strings do not count towards the depth', () => {
    const review = reviewOfObject(workload('Pod', podSpec(['a'])));
    (review.request as Record<string, unknown>).name = '['.repeat(200);
    const parsed = parseAdmissionReview(bytes(review), admissionLimits);
    expect(parsed.ok).toBe(true);
  });

  test('a uid longer than the name limit is refused', () => {
    const review = reviewOfObject(workload('Pod', podSpec(['a'])), { uid: 'u'.repeat(300) });
    const parsed = parseAdmissionReview(bytes(review), admissionLimits);
    expect(parsed).toMatchObject({ ok: false });
    expect(!parsed.ok && parsed.uid).toBeUndefined();
  });
});

describe('boundedWarnings', () => {
  test('keeps warnings on one line, cut to 256 characters, and summarises past 32', () => {
    const warnings = boundedWarnings([
      'two\nlines',
      'x'.repeat(300),
      ...Array.from({ length: 40 }, (_, i) => `w${i}`),
    ]);
    expect(warnings[0]).toBe('two lines');
    expect(warnings[1]).toHaveLength(256);
    expect(warnings).toHaveLength(32);
    expect(warnings[31]).toBe('and 11 more warnings');
  });
});
