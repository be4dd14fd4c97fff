/**
 * Background jobs of `moat serve` (garbage collection, upload expiry) run on an interval: the next
 * run is timed from the end of the previous one, so runs never overlap, and the timers are
 * unref'd, so they never keep a process alive. `stop()` cancels the next run and waits for the
 * one in progress (if any) up to a bound.
 */

/** A job repeating on an interval. */
export interface RepeatingJob {
  /** Cancels future runs; resolves when the run in progress ended or `waitMs` passed. */
  stop(waitMs: number): Promise<void>;
}

/** setTimeout's largest delay; longer waits are chained. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * Runs `run` every `intervalMs` (first after one interval). A run that throws is reported to
 * `onError` and the schedule goes on.
 * @example const job = repeat(3_600_000, () => runGc(...), (e) => log.error(e)); await job.stop(5000);
 */
export function repeat(
  intervalMs: number,
  run: () => Promise<void>,
  onError: (error: unknown) => void,
): RepeatingJob {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const arm = (remainingMs: number) => {
    if (stopped) return;
    const wait = Math.min(remainingMs, maxTimerMs);
    timer = setTimeout(() => {
      if (remainingMs > wait) {
        arm(remainingMs - wait);
        return;
      }
      running = run()
        .catch(onError)
        .finally(() => {
          running = undefined;
          arm(intervalMs);
        });
    }, wait);
    timer.unref();
  };
  arm(intervalMs);

  return {
    async stop(waitMs) {
      stopped = true;
      clearTimeout(timer);
      if (!running) return;
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([
        running,
        new Promise<void>((resolve) => {
          bound = setTimeout(resolve, waitMs);
        }),
      ]);
      clearTimeout(bound);
    },
  };
}
