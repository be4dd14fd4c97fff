/**
 * `moat sign-blob --key K --bundle OUT FILE` and `moat verify-blob --bundle B FILE`: files such as
 * SBOMs and release artefacts, signed into a Sigstore bundle as cosign 3 does (`--bundle`; nothing
 * on stdout) and verified against a key or a keyless policy offline ("Verified OK" on stderr, as
 * cosign prints it; exit 3 when the bundle does not verify). Only the command definitions live
 * here; the actions load blob-run.ts.
 */
import type { Command } from 'commander';

import type { CliIo } from './io.js';
import { addPolicyFlags, type PolicyFlags } from './verify-policy.js';

/** The flags of `moat sign-blob`. */
export interface SignBlobFlags {
  key: string;
  bundle: string;
  quiet?: boolean;
}

/** The flags of `moat verify-blob`. */
export interface VerifyBlobFlags extends PolicyFlags {
  bundle: string;
}

/** Adds `sign-blob` and `verify-blob` to `program`. */
export function registerBlobCommands(program: Command, io: CliIo): void {
  program
    .command('sign-blob')
    .description('sign a file into a Sigstore bundle (cosign 3 format)')
    .argument('<file>', 'the file to sign')
    .requiredOption(
      '--key <file>',
      'private key (cosign.key, PKCS#8 PEM); password from MOAT_PASSWORD',
    )
    .requiredOption('--bundle <file>', 'where to write the bundle (.sigstore.json)')
    .option('-q, --quiet', 'nothing on stderr')
    .action(async (file: string, flags: SignBlobFlags) => {
      await (await import('./blob-run.js')).runSignBlob(file, flags, io);
    });

  addPolicyFlags(
    program
      .command('verify-blob')
      .description('verify a file against its Sigstore bundle, offline')
      .argument('<file>', 'the file that was signed')
      .requiredOption('--bundle <file>', 'the Sigstore bundle (.sigstore.json)'),
  ).action(async (file: string, flags: VerifyBlobFlags) => {
    await (await import('./blob-run.js')).runVerifyBlob(file, flags, io);
  });
}
