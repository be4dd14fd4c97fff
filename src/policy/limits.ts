/**
 * Limits on policy documents and their evaluation: a policy is untrusted input (a project admin
 * PUTs it, an AdmissionReview's namespace selects it), so its size, its rule count, its CEL
 * expressions and what they may cost are bounded. Rows in docs/limits.md.
 */

/** The limits {@link compilePolicy} and {@link evaluatePolicy} apply. */
export interface PolicyLimits {
  /** Bytes of a policy document (YAML or JSON text). */
  maxDocumentBytes: number;
  /** YAML aliases expanded in one document (an "alias bomb" is refused). */
  maxYamlAliases: number;
  /** Rules in one policy. */
  maxRules: number;
  /** Entries in one list of a rule (registries, labels, packages, keys, identities). */
  maxListEntries: number;
  /** Characters of one CEL expression. */
  maxExpressionLength: number;
  /** Nesting depth of one CEL expression's syntax tree. */
  maxExpressionDepth: number;
  /**
   * Cost units one CEL expression may spend on one input: its estimated worst case, computed
   * from the syntax tree and the sizes of this input's lists and strings, is refused beyond it
   * before anything runs (one unit is roughly a value touched: about 0.1 µs).
   */
  maxExpressionCost: number;
}

/** The defaults: generous for hand-written policies, small enough that nothing hostile hurts. */
export const defaultPolicyLimits: PolicyLimits = {
  maxDocumentBytes: 256 * 1024,
  maxYamlAliases: 100,
  maxRules: 200,
  maxListEntries: 1000,
  maxExpressionLength: 4096,
  maxExpressionDepth: 64,
  maxExpressionCost: 2_000_000,
};
