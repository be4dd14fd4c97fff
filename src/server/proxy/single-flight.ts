/**
 * Concurrent callers asking for the same key share one run: the first starts it, the others
 * await its promise; the key is free again once it settles (success or failure alike).
 */
export class SingleFlight {
  private readonly running = new Map<string, Promise<unknown>>();

  /** Runs `task` unless a run for `key` is in flight, whose result is then shared. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const current = this.running.get(key);
    if (current !== undefined) return current as Promise<T>;
    const started = task().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }
}
