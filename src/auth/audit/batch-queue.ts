/**
 * The in-memory queue behind `AuditRecorder.record`: events wait at most `delayMs` (or until
 * `maxBatch` of them are waiting) and are then written, one batch per transaction, one batch at a
 * time. A failed write keeps its events at the front of the queue and is retried later, so a
 * database outage delays entries rather than losing them — up to `maxQueued` events; beyond that
 * the oldest are dropped and the loss is logged.
 */

/** Options of {@link BatchQueue}. */
export interface BatchQueueOptions<T> {
  write(batch: T[]): Promise<void>;
  /** Told of write failures and of dropped items (never of their content). */
  log(message: string): void;
  maxBatch: number;
  delayMs: number;
  maxQueued: number;
  /** Wait before retrying a failed write. */
  retryDelayMs: number;
}

/** A write-behind queue. */
export class BatchQueue<T> {
  private queue: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private tail: Promise<void> = Promise.resolve();
  private lastError: Error | undefined;

  constructor(private readonly options: BatchQueueOptions<T>) {}

  /** Queues an item; never throws. */
  push(item: T): void {
    if (this.queue.length >= this.options.maxQueued) {
      this.queue.shift();
      this.options.log(
        `audit: queue full (${this.options.maxQueued}): the oldest entry was dropped`,
      );
    }
    this.queue.push(item);
    if (this.queue.length >= this.options.maxBatch) this.drain();
    else this.schedule(this.options.delayMs);
  }

  /**
   * Resolves once everything queued before the call is written; rejects with the database's
   * error when a write fails (the items stay queued for the next attempt).
   */
  async flush(): Promise<void> {
    this.drain();
    await this.tail;
    if (this.queue.length > 0 && this.lastError !== undefined) throw this.lastError;
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.drain(), delayMs);
    // A pending batch does not keep the process alive: shutdown calls flush.
    this.timer.unref();
  }

  private drain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.tail = this.tail.then(() => this.writeAll());
  }

  /** Writes batches until the queue is empty or a write fails. Never rejects. */
  private async writeAll(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      try {
        await this.options.write(batch);
        this.lastError = undefined;
      } catch (error) {
        this.lastError = error instanceof Error ? error : new Error(String(error));
        // Back to the front, in order (a batch is at most maxBatch items).
        const kept = batch.slice(0, Math.max(0, this.options.maxQueued - this.queue.length));
        this.queue = kept.concat(this.queue);
        const message = error instanceof Error ? error.message : String(error);
        this.options.log(`audit: ${batch.length} entries not written yet (${message}): retrying`);
        this.schedule(this.options.retryDelayMs);
        return;
      }
    }
  }
}
