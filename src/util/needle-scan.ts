/**
 * Looks for several byte strings in a stream of chunks at once, including occurrences that
 * straddle two chunks, holding only the last few bytes of the previous chunk.
 */

/** Finds which of several byte strings occur in a stream of chunks, across chunk boundaries. */
export class NeedleScan {
  /** The needles seen so far. */
  readonly found = new Set<Buffer>();
  private tail = Buffer.alloc(0);
  private readonly overlap: number;

  constructor(private readonly needles: readonly Buffer[]) {
    this.overlap = needles.reduce((most, n) => Math.max(most, n.length - 1), 0);
  }

  /** Scans the next chunk of the stream. */
  push(chunk: Buffer): void {
    if (this.found.size === this.needles.length) return;
    for (const needle of this.needles) {
      if (this.found.has(needle)) continue;
      const across =
        this.tail.length > 0 &&
        Buffer.concat([this.tail, chunk.subarray(0, needle.length - 1)]).includes(needle);
      if (across || chunk.includes(needle)) this.found.add(needle);
    }
    const kept = chunk.length >= this.overlap ? chunk : Buffer.concat([this.tail, chunk]);
    this.tail = Buffer.from(kept.subarray(Math.max(0, kept.length - this.overlap)));
  }
}
