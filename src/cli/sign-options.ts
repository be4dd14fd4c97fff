/**
 * What the signing commands share: the registry flags (Moat's `--username`, `--password`,
 * `--insecure`, and cosign's `--allow-insecure-registry`, `--allow-http-registry`), cosign's
 * `-a key=value` annotations, the private key with its password, and bounded reads of the files
 * they take (predicates, blobs, bundles).
 */
import type { Command } from 'commander';

import { MoatError } from '../errors.js';
import type { CliIo } from './io.js';

/** The registry flags as commander parses them. */
export interface RegistryFlags {
  username?: string;
  password?: string;
  insecure?: boolean;
  allowInsecureRegistry?: boolean;
  allowHttpRegistry?: boolean;
}

/** Adds the registry flags. */
export function addRegistryFlags(command: Command): Command {
  return command
    .option('--username <name>', 'registry user name')
    .option('--password <secret>', 'registry password or token')
    .option('--insecure', 'allow plain HTTP registries')
    .option('--allow-insecure-registry', "cosign's name for --insecure")
    .option('--allow-http-registry', "cosign's name for --insecure");
}

/** How to reach the registry, from the flags. */
export function registryAccessOf(flags: RegistryFlags): {
  username?: string;
  password?: string;
  insecure?: boolean;
} {
  if (flags.password !== undefined && flags.username === undefined) {
    throw new MoatError('USAGE', '--password needs --username');
  }
  return {
    ...(flags.username !== undefined ? { username: flags.username } : {}),
    ...(flags.password !== undefined ? { password: flags.password } : {}),
    ...(flags.insecure === true ||
    flags.allowInsecureRegistry === true ||
    flags.allowHttpRegistry === true
      ? { insecure: true }
      : {}),
  };
}

/** Collects a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * `-a key=value` flags as a map. Like cosign (a string slice), one flag may carry several pairs
 * separated by commas.
 * @throws MoatError USAGE for a pair without `=` or with an empty key.
 */
export function parseAnnotations(values: readonly string[]): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const pair of values.flatMap((value) => value.split(','))) {
    const at = pair.indexOf('=');
    if (at <= 0) {
      throw new MoatError('USAGE', `--annotations: "${pair}" is not key=value`);
    }
    annotations[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return annotations;
}

/** The streams a password prompt needs: the process's stdin when `io` is the process. */
export function passwordIo(io: CliIo): {
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
} {
  const stdin = (io as { stdin?: NodeJS.ReadableStream }).stdin;
  return stdin === undefined ? { stderr: io.stderr } : { stderr: io.stderr, stdin };
}
