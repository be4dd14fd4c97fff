/**
 * What the commands share with `main.ts` without importing it: the streams they write to and the
 * error that ends a command with a chosen exit code. Commands import this module, `main.ts`
 * imports the commands, so there is no import cycle.
 */

/** Streams the CLI writes to; tests substitute their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * Ends the command with an exit code other than 0 without an error message (the `--exit-code`
 * gate).
 */
export class ExitCodeError extends Error {
  override name = 'ExitCodeError';
  constructor(readonly exitCode: number) {
    super(`exit code ${exitCode}`);
  }
}
