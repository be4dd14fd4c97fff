/**
 * Progress and warnings on stderr: a self-rewriting status line on a TTY, nothing when piped,
 * nothing at all with `--quiet` (warnings are still printed when not quiet, TTY or not).
 */

/** What commands report while they work. */
export interface Progress {
  step(message: string): void;
  done(message: string): void;
  warn(message: string): void;
}

/** A progress that reports nothing. */
const silent: Progress = { step: () => undefined, done: () => undefined, warn: () => undefined };

/**
 * Creates progress output on `io.stderr`, which is not touched at all when quiet (for a pipe,
 * creating `process.stderr` loads Node's net stack).
 */
export function createProgress(
  io: { readonly stderr: NodeJS.WritableStream & { isTTY?: boolean } },
  options: { quiet: boolean },
): Progress {
  if (options.quiet) return silent;
  const stream = io.stderr;
  const live = stream.isTTY === true;
  let shown = false;
  const clear = () => {
    if (shown) stream.write('\r\x1b[2K');
    shown = false;
  };
  return {
    step(message) {
      if (!live) return;
      clear();
      stream.write(message);
      shown = true;
    },
    done(message) {
      if (!live) return;
      clear();
      stream.write(`${message}\n`);
    },
    warn(message) {
      clear();
      stream.write(`moat: warning: ${message}\n`);
    },
  };
}
