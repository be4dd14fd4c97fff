/**
 * `moat policy check <target> --policy FILE`: scan an image (every target and flag `moat scan`
 * takes), verify its signatures where the policy asks, evaluate the policy and print the decision
 * — a table with one line per rule, the decision as JSON, or a Kubernetes PolicyReport
 * (`wgpolicyk8s.io/v1alpha2`). Exits 0 when allowed, 3 when denied, 2 for bad input. Only the
 * command definition lives here; the action loads policy-run.ts.
 */
import { Option, type Command } from 'commander';

import type { CliIo } from './io.js';
import { commonOptionsOf, type SharedFlags } from './options.js';
import { decisionFormats, type DecisionFormat } from './policy-output.js';
import { addScanFlags, type ScanFilterFlags } from './scan.js';

/** The flags of `moat policy check` besides the scan's, as commander parses them. */
export interface PolicyCheckFlags extends ScanFilterFlags {
  policy: string;
  format: DecisionFormat;
}

/** Adds the `policy` command group to `program`. */
export function registerPolicyCommand(program: Command, io: CliIo): void {
  const policy = program.command('policy').description('check images against a policy');
  const check = policy
    .command('check')
    .description('scan an image, verify its signatures and decide whether the policy allows it')
    .argument(
      '<target>',
      'docker-archive:, oci:, oci-archive:, dir:, docker:// or a bare path/reference',
    )
    .requiredOption('--policy <file>', 'the policy document (YAML or JSON, moat.dev/v1 Policy)')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(decisionFormats)
        .default('table'),
    );
  addScanFlags(check).action(async (target: string, flags: SharedFlags & PolicyCheckFlags) => {
    const options = {
      ...commonOptionsOf(flags),
      scan: flags,
      policy: flags.policy,
      format: flags.format,
    };
    await (await import('./policy-run.js')).runPolicyCheck(target, options, io);
  });
}
