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

/** Creates progress output on `stream`. */
export function createProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  options: { quiet: boolean },
): Progress {
  const live = stream.isTTY === true && !options.quiet;
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
      if (options.quiet) return;
      clear();
      stream.write(`moat: warning: ${message}\n`);
    },
  };
}
