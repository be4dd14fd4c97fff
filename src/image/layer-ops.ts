/**
 * What one layer does to the flattened view of an image, as a list of operations: removals
 * (whiteouts and replaced paths), kept files with their visitor result, symlinks and hard links.
 * The walker derives them from a layer's entries; a cache can store them (results resolved) and
 * replay them later without reading the layer again.
 */

/** One operation of a layer on the flattened view; `R` is the visitor's result type. */
export type LayerOp<R> =
  /** Remove lower-layer records at `path` (and below it when `subtree`). */
  | { op: 'remove'; path: string; subtree: boolean }
  /** Several removals in a row, as caches store them (most entries of a layer only remove). */
  | { op: 'removes'; paths: string[]; subtree: boolean }
  /** Remove every lower-layer record below directory `dir` (opaque whiteout). */
  | { op: 'opaque'; dir: string }
  /** Keep this layer's file at `path` with its visitor result. */
  | { op: 'file'; path: string; result: R }
  | { op: 'symlink'; path: string; target: string }
  | { op: 'hardlink'; path: string; target: string };

/** A layer's operations with the results still being computed. */
export type PendingLayerOp<R> =
  Exclude<LayerOp<R>, { op: 'file' }> | { op: 'file'; path: string; result: Promise<R> };

/** Replays recorded layers and records fresh ones (e.g. a cache of per-layer analysis). */
export interface LayerRecorder<R> {
  /** The recorded operations of this layer, if known; the layer is then not read. */
  replay(digest: string): Promise<LayerOp<R>[] | undefined>;
  /** Called once a layer was read, with its operations and their resolved results. */
  record(digest: string, ops: LayerOp<R>[]): Promise<void>;
}

/**
 * True when `value` has the shape of a layer operation whose file result passes `isResult`:
 * for operations read back from a cache, which a damaged or planted file could break.
 */
export function isLayerOp<R>(
  value: unknown,
  isResult: (result: unknown) => boolean,
): value is LayerOp<R> {
  if (typeof value !== 'object' || value === null) return false;
  const op = value as Record<string, unknown>;
  const text = (key: string) => typeof op[key] === 'string';
  switch (op.op) {
    case 'remove':
      return text('path') && typeof op.subtree === 'boolean';
    case 'removes':
      return (
        Array.isArray(op.paths) &&
        op.paths.every((path) => typeof path === 'string') &&
        typeof op.subtree === 'boolean'
      );
    case 'opaque':
      return text('dir');
    case 'file':
      return text('path') && isResult(op.result);
    case 'symlink':
    case 'hardlink':
      return text('path') && text('target');
    default:
      return false;
  }
}

/**
 * The same operations with each run of consecutive removals of one kind merged into one
 * `removes` operation: order is kept, so replaying either gives the same view. A layer's entries
 * nearly all become removals (any file may shadow a lower layer's), so this is most of a cached
 * layer's size.
 */
export function compactRemovals<R>(ops: readonly LayerOp<R>[]): LayerOp<R>[] {
  const out: LayerOp<R>[] = [];
  for (const op of ops) {
    const last = out[out.length - 1];
    if (op.op !== 'remove') out.push(op);
    else if (last?.op === 'removes' && last.subtree === op.subtree) last.paths.push(op.path);
    else out.push({ op: 'removes', paths: [op.path], subtree: op.subtree });
  }
  return out;
}

/**
 * Appends `op` to a layer's recording, merging a removal into the run before it: nearly every
 * entry of a layer is a removal, and one object per entry cost ~100 bytes on top of its path
 * (a million-entry layer held ~100 MB of them until the layer ended).
 */
export function appendLayerOp<R>(ops: PendingLayerOp<R>[], op: PendingLayerOp<R>): void {
  const last = ops[ops.length - 1];
  if (op.op !== 'remove') ops.push(op);
  else if (last?.op === 'removes' && last.subtree === op.subtree) last.paths.push(op.path);
  else ops.push({ op: 'removes', paths: [op.path], subtree: op.subtree });
}

/**
 * Waits for every pending result of a layer's operations. Only file operations wait: a promise
 * per removal would cost a million promises on a million-entry layer.
 */
export async function resolveLayerOps<R>(ops: PendingLayerOp<R>[]): Promise<LayerOp<R>[]> {
  const resolved: LayerOp<R>[] = [];
  const waits: Promise<void>[] = [];
  for (const [i, op] of ops.entries()) {
    if (op.op !== 'file') {
      resolved[i] = op;
      continue;
    }
    waits.push(
      op.result.then((result) => {
        resolved[i] = { op: 'file', path: op.path, result };
      }),
    );
  }
  await Promise.all(waits);
  return resolved;
}
