/**
 * The temporary files and directories this process made and has not yet cleaned up, so that an
 * interrupted run (SIGINT, SIGTERM) leaves none behind: whoever makes one registers it here, and
 * {@link removeTrackedTemps} removes them all. Removing an entry that was already renamed into
 * place or cleaned up is harmless (every temporary name is fresh and random), so an owner only
 * needs to untrack what it keeps for good.
 */
import { rmSync } from 'node:fs';

const tracked = new Set<string>();

/** Registers a temporary file or directory; returns the function that forgets it again. */
export function trackTemp(path: string): () => void {
  tracked.add(path);
  return () => tracked.delete(path);
}

/**
 * Removes every registered path (recursively, ignoring what is gone). Synchronous, so it can run
 * from a signal handler just before the process exits.
 */
export function removeTrackedTemps(): void {
  for (const path of tracked) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Best effort: a path that cannot be removed now cannot be removed later either.
    }
  }
  tracked.clear();
}

/** Exit codes of a process ended by a signal, as shells report them (128 + signal number). */
const signalExitCodes = { SIGINT: 130, SIGTERM: 143 } as const;

/** Set while a command ends on SIGINT/SIGTERM by itself (see {@link nextTerminationSignal}). */
let takeover: ((signal: NodeJS.Signals) => void) | undefined;
let handlersInstalled = false;

/**
 * Makes SIGINT and SIGTERM remove every tracked temporary path and end the process with 130 or
 * 143 — unless a command took the signals over with {@link nextTerminationSignal}. For the
 * executable only: a library must not take over its host's signals.
 */
export function removeTempsOnSignals(): void {
  handlersInstalled = true;
  for (const [signal, code] of Object.entries(signalExitCodes)) {
    process.once(signal, () => {
      if (takeover) {
        takeover(signal as NodeJS.Signals);
        return;
      }
      removeTrackedTemps();
      process.exit(code);
    });
  }
}

/**
 * For a long-running command (`moat serve`) that ends gracefully on SIGINT or SIGTERM instead of
 * exiting at once: resolves with the first such signal. Within the executable it takes over the
 * handlers of {@link removeTempsOnSignals} (a second signal then ends the process the default
 * way); elsewhere it listens itself. `cancel()` gives the signals back.
 */
export function nextTerminationSignal(): { signal: Promise<NodeJS.Signals>; cancel(): void } {
  let cancel: () => void = () => undefined;
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    if (handlersInstalled) {
      takeover = resolve;
      cancel = () => {
        if (takeover === resolve) takeover = undefined;
      };
      return;
    }
    const onSignal = (received: NodeJS.Signals) => {
      cancel();
      resolve(received);
    };
    for (const name of Object.keys(signalExitCodes)) process.once(name, onSignal);
    cancel = () => {
      for (const name of Object.keys(signalExitCodes)) process.removeListener(name, onSignal);
    };
  });
  return { signal, cancel: () => cancel() };
}
