/**
 * The `moat` command line: parses arguments, runs one command, maps errors to exit codes
 * (0 success, 2 bad input or usage, 1 internal error) and prints one clear line for each error.
 */
import { Command, CommanderError } from 'commander';

import { isMoatError } from '../errors.js';
import { registerDbCommand } from './db.js';
import { registerSbomCommand } from './sbom.js';
import { ExitCodeError, registerScanCommand } from './scan.js';
import { version } from './version.js';

export { onBeforeMemoryBound, releaseMemoryBound } from './memory.js';

/** Streams the CLI writes to; tests substitute their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

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
    return error.isInputError ? 2 : 1;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`moat: internal error: ${message}\n`);
  return 1;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
