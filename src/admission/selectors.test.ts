import { describe, expect, test } from 'vitest';

import { webhookSelector } from './selectors.js';

const excluded = ['moat-system', 'kube-system'];
const exclusion = { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: excluded };

describe('webhookSelector', () => {
  test('a later binding leaves out the namespaces of each earlier single-requirement selector', () => {
    const { selector, overlaps } = webhookSelector(
      { matchLabels: { tier: 'web' } },
      [
        { matchLabels: { env: 'prod' } },
        { matchExpressions: [{ key: 'team', operator: 'Exists' }] },
      ],
      excluded,
    );
    expect(overlaps).toEqual([]);
    expect(selector?.matchExpressions).toEqual([
      { key: 'tier', operator: 'In', values: ['web'] },
      { key: 'env', operator: 'NotIn', values: ['prod'] },
      { key: 'team', operator: 'DoesNotExist' },
      exclusion,
    ]);
  });

  test('an earlier selector of several requirements is reported as an overlap', () => {
    const earlier = { matchLabels: { env: 'prod', tier: 'web' } };
    expect(webhookSelector(undefined, [earlier], excluded)).toEqual({
      selector: { matchExpressions: [exclusion] },
      overlaps: [0],
    });
  });

  test('after a binding that matches every namespace nothing is left', () => {
    expect(webhookSelector(undefined, [undefined], excluded).selector).toBeUndefined();
  });

  test('NotIn and DoesNotExist negate to In and Exists', () => {
    const { selector } = webhookSelector(
      undefined,
      [
        { matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['x'] }] },
        { matchExpressions: [{ key: 'b', operator: 'DoesNotExist' }] },
      ],
      excluded,
    );
    expect(selector?.matchExpressions?.slice(0, 2)).toEqual([
      { key: 'a', operator: 'In', values: ['x'] },
      { key: 'b', operator: 'Exists' },
    ]);
  });
});
