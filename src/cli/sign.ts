/**
 * `moat sign --key K REF`: signs an image's manifest digest and stores the signature in the
 * registry, as cosign does (`--signature-format bundle`, the default, or `legacy`). Only the
 * command definition lives here; the action loads sign-run.ts.
 */
import { Option, type Command } from 'commander';

import type { CliIo } from './io.js';
import { addRegistryFlags, collect, type RegistryFlags } from './sign-options.js';

/** The flags of `moat sign` as commander parses them. */
export interface SignFlags extends RegistryFlags {
  key: string;
  annotations: string[];
  signatureFormat: 'bundle' | 'legacy';
  quiet?: boolean;
}

/** `--signature-format`, shared with `moat attest`. */
export function signatureFormatOption(): Option {
  return new Option(
    '--signature-format <format>',
    'bundle: a Sigstore bundle as an OCI referrer (cosign 3); legacy: the sha256-<hex>.sig/.att tag',
  )
    .choices(['bundle', 'legacy'])
    .default('bundle');
}

/** Adds the `sign` command to `program`. */
export function registerSignCommand(program: Command, io: CliIo): void {
  const command = program
    .command('sign')
    .description('sign an image (its manifest digest) with a private key and store the signature')
    .argument('<image>', 'image reference (registry/repository:tag or @sha256:…)')
    .requiredOption(
      '--key <file>',
      'private key (cosign.key, PKCS#8 PEM); password from MOAT_PASSWORD',
    )
    .option('-a, --annotations <key=value>', 'signed annotation (repeatable)', collect, [])
    .addOption(signatureFormatOption())
    .option('-q, --quiet', 'no warnings on stderr');
  addRegistryFlags(command).action(async (reference: string, flags: SignFlags) => {
    await (await import('./sign-run.js')).runSign(reference, flags, io);
  });
}
