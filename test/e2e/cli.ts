/**
 * Runs the built `moat` command as a user would (`npm run build` first; `npm run test:e2e` does).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/moat.cjs', import.meta.url));

/** What one run of `moat` printed and returned. */
export interface MoatRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `moat ARGS…` and resolves with its exit code and output, whatever the code. */
export function moat(args: string[], env: NodeJS.ProcessEnv = {}): Promise<MoatRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
