/**
 * `moat key generate|public-key`: cosign-compatible key pairs (`cosign generate-key-pair`,
 * `cosign public-key`). Only the command definitions live here; each action loads key-run.ts,
 * which loads the key code.
 */
import { Option, type Command } from 'commander';

import type { CliIo } from './io.js';

/** The flags of `moat key generate`, as commander parses them. */
export interface KeyGenerateFlags {
  outputKeyPrefix: string;
  algorithm: 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ed25519';
  force?: boolean;
}

/** Adds the `key` command and its subcommands to `program`. */
export function registerKeyCommand(program: Command, io: CliIo): void {
  const key = program.command('key').description('signing keys (cosign-compatible)');

  key
    .command('generate')
    .description(
      'write NAME.key (encrypted with $MOAT_PASSWORD, $COSIGN_PASSWORD or a prompted password) and NAME.pub',
    )
    .option('--output-key-prefix <name>', 'file name prefix of the key pair', 'cosign')
    .addOption(
      new Option('--algorithm <algorithm>', 'key algorithm')
        .choices(['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'ed25519'])
        .default('ecdsa-p256'),
    )
    .option('--force', 'overwrite existing NAME.key and NAME.pub')
    .action(async (flags: KeyGenerateFlags) => {
      await (await import('./key-run.js')).runKeyGenerate(flags, io);
    });

  key
    .command('public-key')
    .description("print a private key's public key (PEM)")
    .requiredOption('--key <file>', 'private key (cosign, PKCS#8, SEC 1 or PKCS#1 PEM)')
    .action(async (flags: { key: string }) => {
      await (await import('./key-run.js')).runKeyPublicKey(flags, io);
    });
}
