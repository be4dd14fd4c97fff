/**
 * The action of `moat policy check` (defined in policy.ts): the policy is read and validated
 * first (a malformed policy costs no image read), then compiled while the image is scanned with
 * the scan's own option handling (`prepareScan`), signatures verified, the decision rendered. A denial is reported
 * after the output is written: `POLICY_DENIED`, exit 3.
 */
import { PolicyError } from '../errors.js';
import { checkImageCompiling } from '../policy/check-image.js';
import { readPolicyFile } from '../policy/compile.js';
import type { CliIo } from './io.js';
import type { CommonOptions } from './options.js';
import { renderDecision, type DecisionFormat } from './policy-output.js';
import { prepareScan } from './scan-run.js';
import type { ScanFilterFlags } from './scan.js';
import { writeResult } from './output.js';

/** Options of `moat policy check`. */
export interface PolicyCheckOptions extends CommonOptions {
  scan: ScanFilterFlags;
  policy: string;
  format: DecisionFormat;
}

/** Runs `moat policy check TARGET --policy FILE`. */
export async function runPolicyCheck(
  target: string,
  options: PolicyCheckOptions,
  io: CliIo,
): Promise<void> {
  // YAML and schema errors end the command before the image is read; the rest of compiling
  // (the CEL runtime, keys, trusted roots) overlaps the scan.
  const policy = await readPolicyFile(options.policy);
  const prepared = await prepareScan(target, options, io, [
    { what: 'policy', path: options.policy },
  ]);
  const { decision, scan } = await checkImageCompiling(
    target,
    policy.compile(),
    prepared.options,
  ).finally(() => prepared.close());
  const failing = decision.results.filter((r) => r.outcome !== 'pass');
  prepared.progress.done(
    `${decision.allowed ? 'allowed' : 'denied'}: ${decision.results.length - failing.length} of ${decision.results.length} rules pass`,
  );
  await writeResult(renderDecision(decision, options.format, scan.warnings), options.output, io);
  if (!decision.allowed) {
    const denying = failing.filter((r) => r.action === 'deny').map((r) => r.rule);
    throw new PolicyError(
      'POLICY_DENIED',
      `policy ${decision.policy} denies ${target}: ${denying.join(', ')} failed`,
    );
  }
}
