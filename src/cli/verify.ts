/**
 * `moat verify` and `moat verify-attestation`: every signature (or attestation) stored for an
 * image's digest, in both of cosign's formats, checked against a key or a keyless policy, fully
 * offline. Exit 0 when at least one verifies, 3 when none does (the reason for each on stderr),
 * 2 for bad input. Only the command definitions live here; the actions load verify-run.ts.
 */
import { Option, type Command } from 'commander';

import type { CliIo } from './io.js';
import { addRegistryFlags, collect, type RegistryFlags } from './sign-options.js';
import { addPolicyFlags, type PolicyFlags } from './verify-policy.js';

/** The flags of `moat verify` as commander parses them. */
export interface VerifyFlags extends RegistryFlags, PolicyFlags {
  output: 'text' | 'json';
  annotations: string[];
}

/** The flags of `moat verify-attestation`. */
export interface VerifyAttestationFlags extends VerifyFlags {
  type?: string;
}

function common(command: Command): Command {
  return addRegistryFlags(addPolicyFlags(command))
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    )
    .option(
      '-a, --annotations <key=value>',
      'require this signed annotation (repeatable)',
      collect,
      [],
    );
}

/** Adds `verify` and `verify-attestation` to `program`. */
export function registerVerifyCommands(program: Command, io: CliIo): void {
  common(
    program
      .command('verify')
      .description("verify an image's signatures (both of cosign's formats), offline")
      .argument('<image>', 'image reference (registry/repository:tag or @sha256:…)'),
  ).action(async (reference: string, flags: VerifyFlags) => {
    await (await import('./verify-run.js')).runVerify(reference, flags, io);
  });

  common(
    program
      .command('verify-attestation')
      .description("verify an image's attestations (both of cosign's formats), offline")
      .argument('<image>', 'image reference (registry/repository:tag or @sha256:…)')
      .option(
        '--type <type>',
        'only attestations of this predicate type (cosign --type names or a URI)',
      ),
  ).action(async (reference: string, flags: VerifyAttestationFlags) => {
    await (await import('./verify-run.js')).runVerifyAttestation(reference, flags, io);
  });
}
