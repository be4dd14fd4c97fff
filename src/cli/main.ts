/**
 * The `moat` command line: parses arguments, runs one command, maps errors to exit codes
 * (0 success, 3 a verification that failed, 2 bad input, usage or an environment error, 1 internal error) and prints one clear
 * line for each error.
 */
import { Command, CommanderError } from 'commander';

import { isMoatError } from '../errors.js';
import { describeFsError, isEnvironmentFsError } from '../util/fs-errors.js';
import { registerAdminCommand } from './admin.js';
import { registerAdmissionCommand } from './admission.js';
import { registerAttestCommand } from './attest.js';
import { registerBlobCommands } from './blob.js';
import { registerDbCommand } from './db.js';
import { ExitCodeError, type CliIo } from './io.js';
import { registerKeyCommand } from './key.js';
import { registerPolicyCommand } from './policy.js';
import { registerSbomCommand } from './sbom.js';
import { registerScanCommand } from './scan.js';
import { registerServeCommand } from './serve.js';
import { registerWorkerCommand } from './worker.js';
import { registerSignCommand } from './sign.js';
import { registerVerifyCommands } from './verify.js';
import { version } from './version.js';

export { removeTempsOnSignals } from '../util/temp-files.js';

/** Runs `moat` with `argv` (without the node and script paths) and returns the exit code. */
export async function main(argv: string[], io: CliIo = process): Promise<number> {
  const program = new Command('moat')
    .description('Container security: inventory, scan, sign and gate container images')
    .version(version)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text) => io.stderr.write(text.replace(/^error: /, 'moat: ')),
    });
  registerSbomCommand(program, io);
  registerScanCommand(program, io);
  registerDbCommand(program, io);
  registerServeCommand(program, io);
  registerWorkerCommand(program, io);
  registerAdminCommand(program, io);
  registerSignCommand(program, io);
  registerAttestCommand(program, io);
  registerVerifyCommands(program, io);
  registerBlobCommands(program, io);
  registerKeyCommand(program, io);
  registerPolicyCommand(program, io);
  registerAdmissionCommand(program, io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof ExitCodeError) return error.exitCode;
  if (error instanceof CommanderError) {
    // Help and version exit with code 0 through the same path.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (isMoatError(error)) {
    io.stderr.write(`moat: ${oneLine(error.message)}\n`);
    // A verification that ran and failed is a check's verdict, not bad input.
    if (error.code === 'VERIFICATION_FAILED' || error.code === 'POLICY_DENIED') return 3;
    return error.isInputError ? 2 : 1;
  }
  // A full or read-only disk, a missing directory or permission is the environment's doing, not
  // a bug: one line naming the path, no stack.
  if (isEnvironmentFsError(error)) {
    const verb = verbs[error.syscall ?? ''] ?? 'use';
    io.stderr.write(`moat: cannot ${verb} ${error.path ?? 'a file'}: ${describeFsError(error)}\n`);
    return 2;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`moat: internal error: ${message}\n`);
  return 1;
}

/** What a failed system call was doing, in the words of the error line. */
const verbs: Record<string, string> = {
  open: 'open',
  write: 'write',
  mkdir: 'create',
  mkdtemp: 'create',
  rename: 'replace',
  copyfile: 'copy',
  unlink: 'remove',
  rmdir: 'remove',
  scandir: 'read',
  read: 'read',
};

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
