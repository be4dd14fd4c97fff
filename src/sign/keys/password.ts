/**
 * Where the password of an encrypted private key comes from, in cosign's order with Moat's own
 * variable first: `MOAT_PASSWORD`, then `COSIGN_PASSWORD` (set but empty is an empty password, as
 * cosign allows), else a prompt without echo when stdin is a terminal (asked twice when a new key
 * is being written), else a usage error naming the variables. cosign would read a piped stdin;
 * Moat does not, since stdin may carry other input. Asked once, then remembered.
 */
import { MoatError } from '../../errors.js';
import type { PasswordSource } from '../types.js';

/** The streams (and, for tests, the environment) a password may come from. */
export interface PasswordIo {
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The variables read, in order. */
export const passwordVariables = ['MOAT_PASSWORD', 'COSIGN_PASSWORD'] as const;

/** A terminal's stdin, as far as the prompt needs it. */
interface TtyInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?: (raw: boolean) => unknown;
}

/**
 * A {@link PasswordSource} reading the environment or prompting on the terminal; `confirm` asks
 * twice (for a key about to be written).
 * @example const key = await loadPrivateKeyFile('cosign.key', passwordSource(process, { confirm: false }))
 */
export function passwordSource(io: PasswordIo, options: { confirm: boolean }): PasswordSource {
  let answer: Promise<Buffer> | undefined;
  return () => (answer ??= obtain(io, options.confirm));
}

async function obtain(io: PasswordIo, confirm: boolean): Promise<Buffer> {
  const env = io.env ?? process.env;
  for (const name of passwordVariables) {
    const value = env[name];
    if (value !== undefined) return Buffer.from(value, 'utf8');
  }
  const stdin: TtyInput | undefined = io.stdin;
  if (stdin?.isTTY !== true || typeof stdin.setRawMode !== 'function') {
    throw new MoatError(
      'USAGE',
      'the private key needs a password: set MOAT_PASSWORD (or COSIGN_PASSWORD), or run on a terminal to be asked',
    );
  }
  const first = await prompt(stdin, io.stderr, 'Enter password for private key: ');
  if (!confirm) return first;
  const second = await prompt(stdin, io.stderr, 'Enter password for private key again: ');
  if (!first.equals(second)) {
    first.fill(0);
    second.fill(0);
    throw new MoatError('USAGE', 'the passwords do not match');
  }
  second.fill(0);
  return first;
}

/** One line read from the terminal in raw mode, not echoed. */
function prompt(stdin: TtyInput, stderr: NodeJS.WritableStream, question: string): Promise<Buffer> {
  stderr.write(question);
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: MoatError) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(Buffer.from(typed, 'utf8'));
      typed = '';
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new MoatError('USAGE', 'password prompt interrupted'));
        if (char === '\u007f' || char === '\b') typed = Array.from(typed).slice(0, -1).join('');
        else typed += char;
      }
    };
    stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}
