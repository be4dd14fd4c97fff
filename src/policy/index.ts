/**
 * The policy gate's library surface: policies read and compiled, evaluated over an image's scan,
 * configuration and verified signatures — the one decision `moat policy check`, the registry's
 * pull and push gate and the Kubernetes admission webhook all make.
 * @example
 * import { checkImage, loadPolicyFile } from 'moat';
 * const { decision } = await checkImage('registry.example/app:1.0', await loadPolicyFile('policy.yaml'));
 * for (const r of decision.results) console.log(r.rule, r.outcome, r.message);
 */
export type * from './types.js';
export { compilePolicy, loadPolicyFile, parsePolicy, type CompileOptions } from './compile.js';
export { buildPolicyInput, type PolicyInputParts } from './input.js';
export { evaluatePolicy, type EvaluateOptions } from './evaluate.js';
export {
  gatherSignatures,
  registrySignatureSource,
  type GatheredSignatures,
} from './signatures.js';
export { checkImage, type CheckImageOptions } from './check-image.js';
export { defaultPolicyLimits, type PolicyLimits } from './limits.js';
