/**
 * `moat attest --key K --predicate FILE --type T REF`: signs an in-toto statement about an
 * image's digest (the predicate of cosign's `--type`) and stores it as cosign does. Only the
 * command definition lives here; the action loads attest-run.ts.
 */
import type { Command } from 'commander';

import type { CliIo } from './io.js';
import { signatureFormatOption } from './sign.js';
import { addRegistryFlags, type RegistryFlags } from './sign-options.js';

/** The flags of `moat attest` as commander parses them. */
export interface AttestFlags extends RegistryFlags {
  key: string;
  predicate: string;
  type: string;
  signatureFormat: 'bundle' | 'legacy';
  quiet?: boolean;
}

/** Adds the `attest` command to `program`. */
export function registerAttestCommand(program: Command, io: CliIo): void {
  const command = program
    .command('attest')
    .description('attest an image: sign a predicate (SBOM, scan, provenance) about its digest')
    .argument('<image>', 'image reference (registry/repository:tag or @sha256:…)')
    .requiredOption(
      '--key <file>',
      'private key (cosign.key, PKCS#8 PEM); password from MOAT_PASSWORD',
    )
    .requiredOption(
      '--predicate <file>',
      'the predicate (JSON; `moat sbom`, `moat scan --format cosign-vuln`)',
    )
    .option(
      '--type <type>',
      'slsaprovenance, slsaprovenance02, slsaprovenance1, link, spdx, spdxjson, cyclonedx, vuln, openvex, custom or a URI',
      'custom',
    )
    .addOption(signatureFormatOption())
    .option('-q, --quiet', 'no warnings on stderr');
  addRegistryFlags(command).action(async (reference: string, flags: AttestFlags) => {
    await (await import('./attest-run.js')).runAttest(reference, flags, io);
  });
}
