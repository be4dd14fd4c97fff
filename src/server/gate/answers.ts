/**
 * What the gate tells a client: a refusal names the policy and each failing `deny` rule with its
 * message (`DENIED` on `/v2`), within a bound so that a policy of many rules cannot make an
 * answer or an audit entry unbounded; warnings never refuse.
 */
import type { Decision } from '../../policy/types.js';
import type { GateAnswer } from '../gate-types.js';

/** Longest refusal message (the rules beyond it are counted, not listed). */
const maxMessageLength = 1_000;
/** Rules listed in a refusal's `detail`. */
const maxDetailRules = 32;

/** The failing `deny` rules of a decision. */
export function failingRules(decision: Decision): Decision['results'] {
  return decision.results.filter((result) => result.action === 'deny' && result.outcome !== 'pass');
}

/** The gate's answer for a decision. */
export function answerOf(decision: Decision, what: 'pull' | 'push'): GateAnswer {
  if (decision.allowed) return { allowed: true, decision };
  const failing = failingRules(decision);
  let message = `${what} refused by policy ${JSON.stringify(decision.policy)}:`;
  let listed = 0;
  for (const result of failing) {
    const part = ` ${result.rule}: ${result.message};`;
    if (message.length + part.length > maxMessageLength) break;
    message += part;
    listed += 1;
  }
  if (listed < failing.length) message += ` and ${failing.length - listed} more rules`;
  return {
    allowed: false,
    code: 'DENIED',
    message: message.replace(/;$/, ''),
    decision,
  };
}

/** A refusal that is not a policy decision (a scan pending or failed). */
export function refusal(message: string): GateAnswer {
  return { allowed: false, code: 'DENIED', message: message.slice(0, maxMessageLength) };
}

/** The `detail` of a refusal on `/v2`: the policy and the failing rules. */
export function refusalDetail(answer: GateAnswer): unknown {
  if (answer.allowed || answer.decision === undefined) return undefined;
  return {
    policy: answer.decision.policy,
    digest: answer.decision.digest,
    rules: failingRules(answer.decision)
      .slice(0, maxDetailRules)
      .map((result) => ({ rule: result.rule, check: result.check, message: result.message })),
  };
}
