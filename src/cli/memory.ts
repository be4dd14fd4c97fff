/**
 * The memory bound of the `moat` executable (peak RSS <= 128 MB on any image): while layers are
 * streamed, a young generation that never grows keeps their garbage from inflating the resident
 * set (with glibc's malloc tuned by bin/moat.cjs). It is set only then, not on the command line:
 * any V8 flag given at start-up makes V8 refuse Node's built-in code cache and our own (their tag
 * covers the flags), which cost a run from the layer cache about a third of its instructions. A
 * scan that reads every layer from the layer cache keeps the default heap; `moat sbom` bounds it
 * from the start. (`--max-semi-space-size` would be the obvious flag, but V8 reads it only at
 * start-up; the growth factor is read at every GC.)
 *
 * Changing a flag changes V8's cached-data tag, so code cached after it would be refused by every
 * later run. The executable saves the code cache as partial data just before the change
 * ({@link onBeforeMemoryBound}), and at exit restores V8's defaults ({@link releaseMemoryBound})
 * and saves it complete. Bytecode flushing is off while bounded: V8 would otherwise drop the
 * bytecode of the start-up functions during a long scan, and the cache saved at exit would miss
 * them.
 */
import { setFlagsFromString } from 'node:v8';

let before: (() => void) | undefined;
let bounded = false;

/** Registers what must happen just before the flags change (saving the code cache). */
export function onBeforeMemoryBound(callback: () => void): void {
  before = callback;
}

/** Bounds the young generation for streaming layers; only the first call does anything. */
export function boundMemoryForStreaming(): void {
  if (bounded) return;
  bounded = true;
  before?.();
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--no-flush-bytecode');
}

/** Restores V8's defaults after {@link boundMemoryForStreaming} (at exit: no memory bound after it). */
export function releaseMemoryBound(): void {
  if (!bounded) return;
  bounded = false;
  setFlagsFromString('--semi-space-growth-factor=2');
  setFlagsFromString('--flush-bytecode');
}
