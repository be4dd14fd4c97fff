/**
 * Refusal messages: the failing `deny` rules named in order, warnings and passing rules left out,
 * and bounds that no policy can push a message or its `detail` past.
 */
import { describe, expect, it } from 'vitest';

import type { Decision, RuleResult } from '../../policy/types.js';
import { answerOf, refusalDetail } from './answers.js';

const rule = (
  name: string,
  outcome: RuleResult['outcome'],
  action: RuleResult['action'] = 'deny',
): RuleResult => ({
  rule: name,
  check: 'maxSeverity',
  action,
  outcome,
  message: `${name} failed: ${'why '.repeat(10)}`,
});

const decision = (results: RuleResult[]): Decision => ({
  policy: 'production',
  policyHash: 'sha256:00',
  reference: 'registry.example.com/team/app@sha256:11',
  digest: 'sha256:11',
  allowed: results.every((r) => r.action !== 'deny' || r.outcome === 'pass'),
  results,
  evaluatedAt: new Date(0).toISOString(),
});

describe('gate answers', () => {
  it('names the failing deny rules only', () => {
    const answer = answerOf(
      decision([
        rule('a', 'pass'),
        rule('b', 'fail'),
        rule('c', 'fail', 'warn'),
        rule('d', 'error'),
      ]),
      'pull',
    );
    expect(answer.allowed).toBe(false);
    if (answer.allowed) return;
    expect(answer.message).toBe(
      `pull refused by policy "production": b: ${rule('b', 'fail').message}; d: ${rule('d', 'error').message}`,
    );
    expect(refusalDetail(answer)).toMatchObject({
      policy: 'production',
      rules: [{ rule: 'b' }, { rule: 'd' }],
    });
  });

  it('allows when only warnings fail', () => {
    expect(answerOf(decision([rule('w', 'fail', 'warn')]), 'push').allowed).toBe(true);
  });

  it('bounds the message and the detail of a policy with many failing rules', () => {
    const many = Array.from({ length: 200 }, (_, i) => rule(`rule-${i}`, 'fail'));
    const answer = answerOf(decision(many), 'pull');
    if (answer.allowed) throw new Error('expected a refusal');
    expect(answer.message.length).toBeLessThanOrEqual(1_000 + ' and 200 more rules'.length);
    const listed = (answer.message.match(/rule-\d+:/g) ?? []).length;
    expect(listed).toBeGreaterThan(0);
    expect(answer.message).toMatch(new RegExp(` and ${200 - listed} more rules$`));
    expect((refusalDetail(answer) as { rules: unknown[] }).rules).toHaveLength(32);
  });
});
