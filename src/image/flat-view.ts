/**
 * The flattened view of an image the layer walker builds layer by layer: the kept files with
 * their visitor results (and the lower-layer versions each replaced in place), symbolic links,
 * and the removals whiteouts and replacements make.
 */
import type { PendingLayerOp } from './layer-ops.js';
import type { FileVersion, LayerPosition, WalkResult } from './walker.js';

interface FileRecord<R> {
  layer: LayerPosition;
  result: Promise<R>;
  /** The lower-layer version this record replaced at the same path, if any. */
  earlier?: FileRecord<R>;
}

interface LinkRecord {
  layerIndex: number;
  target: string;
}

/** The mutable flattened view the walker builds layer by layer. */
export class FlatView<R> {
  private readonly files = new Map<string, FileRecord<R>>();
  private readonly links = new Map<string, LinkRecord>();
  /** Directories that are, or once were, ancestors of a kept record: where subtree deletes matter. */
  private readonly ancestorDirs = new Set<string>();
  /**
   * The lower-layer record the latest single-path removal took away: a layer entry replacing a
   * file issues that removal right before keeping its own version, which then links to it.
   */
  private replaced: { path: string; layerIndex: number; record?: FileRecord<R> } | undefined;

  constructor(private readonly maxHops: number) {}

  applyOp(op: PendingLayerOp<R>, layer: LayerPosition): void {
    switch (op.op) {
      case 'remove':
        this.removeAt(op.path, layer.index, op.subtree);
        return;
      case 'removes':
        for (const path of op.paths) this.removeAt(path, layer.index, op.subtree);
        return;
      case 'opaque':
        this.removeBelow(op.dir, layer.index);
        return;
      case 'file':
        this.keepFile(op.path, { layer, result: op.result });
        return;
      case 'symlink':
        this.links.set(op.path, { layerIndex: layer.index, target: op.target });
        this.noteAncestors(op.path);
        return;
      case 'hardlink': {
        // A hard link shares the content of a file seen earlier: reuse that file's result.
        const target = this.resolve(op.target);
        const record = target === undefined ? undefined : this.files.get(target);
        if (record) this.keepFile(op.path, { layer, result: record.result });
        return;
      }
    }
  }

  finish(): Promise<WalkResult<R>> {
    const paths = [...this.files.keys()].sort();
    return Promise.all(
      paths.map(async (path) => {
        const record = this.files.get(path) as FileRecord<R>;
        const earlier: FileVersion<R>[] = [];
        for (let old = record.earlier; old; old = old.earlier) {
          earlier.unshift({ layer: old.layer, result: await old.result });
        }
        return { path, layer: record.layer, result: await record.result, earlier };
      }),
    ).then((files) => ({ files, resolve: (path: string) => this.resolve(path) }));
  }

  /** Follows symbolic links component by component; `..` never climbs above the root. */
  resolve(path: string): string | undefined {
    let pending = splitPath(path);
    const resolved: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === '..') {
        resolved.pop();
        continue;
      }
      resolved.push(part);
      const link = this.links.get(resolved.join('/'));
      if (!link) continue;
      if (++hops > this.maxHops) return undefined;
      resolved.pop();
      if (link.target.startsWith('/')) resolved.length = 0;
      pending = [...splitPath(link.target), ...pending];
    }
    return resolved.join('/');
  }

  private keepFile(path: string, record: FileRecord<R>): void {
    // Results that are dropped later are still awaited in finish() only if kept; make sure a
    // dropped, failed analysis cannot surface as an unhandled rejection.
    record.result.catch(() => undefined);
    const replaced = this.replaced;
    const same = this.files.get(path);
    if (same && same.layer.index === record.layer.index) record.earlier = same.earlier;
    else if (replaced?.path === path && replaced.layerIndex === record.layer.index) {
      record.earlier = replaced.record;
    }
    this.replaced = undefined;
    this.files.set(path, record);
    this.noteAncestors(path);
  }

  private noteAncestors(path: string): void {
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
      this.ancestorDirs.add(path.slice(0, i));
    }
  }

  /** {@link remove}, remembering the file it took away for a replacement that may follow. */
  private removeAt(path: string, layerIndex: number, subtree: boolean): void {
    const file = this.files.get(path);
    const taken = file && file.layer.index < layerIndex ? file : undefined;
    this.remove(path, layerIndex, subtree);
    this.replaced = { path, layerIndex, ...(taken ? { record: taken } : {}) };
  }

  /** Removes lower-layer records at `path` and, when `subtree`, below it. */
  private remove(path: string, layerIndex: number, subtree: boolean): void {
    const file = this.files.get(path);
    if (file && file.layer.index < layerIndex) this.files.delete(path);
    const link = this.links.get(path);
    if (link && link.layerIndex < layerIndex) this.links.delete(path);
    if (subtree && this.ancestorDirs.has(path)) this.removeBelow(path, layerIndex);
  }

  /** Removes every lower-layer record strictly below directory `dir` ('' = the root). */
  private removeBelow(dir: string, layerIndex: number): void {
    const prefix = dir === '' ? '' : `${dir}/`;
    for (const [path, record] of this.files) {
      if (!path.startsWith(prefix)) continue;
      if (record.layer.index < layerIndex) this.files.delete(path);
      // An opaque directory listed after this layer's own files still hides what was below.
      else delete record.earlier;
    }
    for (const [path, record] of this.links) {
      if (path.startsWith(prefix) && record.layerIndex < layerIndex) this.links.delete(path);
    }
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}
