/**
 * The Debian tools and files the end-to-end tests run. CI (`.ci/run`) installs every one, so a
 * missing one is a broken environment: the test file fails naming it, it never skips silently.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** A tool or file the end-to-end tests need is not on this machine. */
export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

function onPath(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Throws naming every tool of `tools` that is not on PATH, and every file of `files` absent. */
export function requireTools(tools: string[], files: string[] = []): void {
  const missing = [
    ...tools.filter((tool) => !onPath(tool)),
    ...files.filter((file) => !existsSync(file)),
  ];
  if (missing.length > 0)
    throw new MissingToolError(
      `missing ${missing.join(', ')}: .ci/run installs the Debian packages the e2e tests need`,
    );
}
