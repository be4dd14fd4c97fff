/**
 * The layer walker: streams every layer of an image once, base first, hands the regular files a
 * visitor asks for to that visitor, and keeps the visitor's per-file results in a flattened view
 * of the image — OCI whiteouts applied, later layers replacing earlier ones, hard links and
 * symbolic links resolved inside the image root. Nothing is extracted to disk.
 *
 * Whiteout rules follow the OCI image spec ("Representing Changes"): `.wh.<name>` removes
 * `<name>` (and everything below it) from lower layers; `.wh..wh..opq` removes every lower-layer
 * entry below its directory.
 */
import { Readable } from 'node:stream';

import { drain } from '../util/streams.js';
import {
  appendLayerOp,
  resolveLayerOps,
  type LayerOp,
  type LayerRecorder,
  type PendingLayerOp,
} from './layer-ops.js';
import type { Image, LayerEntry } from './types.js';

const whiteoutPrefix = '.wh.';
/** Most path characters one layer's recording may hold; past it the layer is not recorded. */
export const maxRecordedPathChars = 64 * 1024 * 1024;
const opaqueMarker = '.wh..wh..opq';

/** The layer a file came from. */
export interface LayerPosition {
  index: number;
  digest: string;
}

/** A regular file offered to a visitor, with its content stream. */
export interface VisitedFile {
  path: string;
  mode: number;
  size: number;
  content: Readable;
}

/**
 * Decides per regular file whether it is of interest. Returning a result (or a promise of one)
 * keeps it under the file's path; returning `undefined` means "not interested" and the walker
 * drains the content. A visitor that takes the content must consume it fully before its returned
 * promise settles, or return `{ pending }` to let analysis continue while the walk goes on.
 */
export type FileVisitor<R> = (
  file: VisitedFile,
  layer: LayerPosition,
) => Promise<Visit<R> | undefined> | undefined;

/** What a visitor made of one file: content is consumed; `result` may still be computing. */
export interface Visit<R> {
  result: Promise<R>;
}

/** One file of the flattened image and the result its visitor produced. */
export interface WalkedFile<R> {
  path: string;
  layer: LayerPosition;
  result: R;
}

/** The flattened view of an image after every layer was applied. */
export interface WalkResult<R> {
  /** Files whose results survived every later layer, sorted by path. */
  files: WalkedFile<R>[];
  /** Resolves symbolic links in `path` within the image root; `undefined` after too many hops. */
  resolve(path: string): string | undefined;
}

interface FileRecord<R> {
  layer: LayerPosition;
  result: Promise<R>;
}

interface LinkRecord {
  layerIndex: number;
  target: string;
}

/** Options for {@link walkImage}. */
export interface WalkOptions<R = unknown> {
  /** Most symlink hops while resolving a path (default 40). */
  maxSymlinkHops?: number;
  /** Called once per layer before it is read (`cached` when its operations were replayed). */
  onLayer?: (layer: LayerPosition, total: number, cached: boolean) => void;
  /** Replays layers recorded earlier and records the ones read now. */
  recorder?: LayerRecorder<R>;
}

/**
 * Walks every layer of `image` once and returns the flattened per-file results of `visit`.
 *
 * @example
 * const { files } = await walkImage(image, (file) =>
 *   file.path === 'etc/os-release' ? { result: text(file.content) } : undefined);
 */
export async function walkImage<R>(
  image: Image,
  visit: FileVisitor<R>,
  options: WalkOptions<R> = {},
): Promise<WalkResult<R>> {
  const view = new FlatView<R>(options.maxSymlinkHops ?? 40);
  const recorder = options.recorder;
  for (const [index, descriptor] of image.layers.entries()) {
    const layer: LayerPosition = { index, digest: descriptor.digest };
    const replayed = recorder ? await recorder.replay(layer.digest) : undefined;
    options.onLayer?.(layer, image.layers.length, replayed !== undefined);
    if (replayed) {
      for (const op of replayed) view.applyOp(pending(op), layer);
      continue;
    }
    const ops: PendingLayerOp<R>[] = [];
    let recording = recorder !== undefined;
    let recordedChars = 0;
    for await (const entry of image.layerEntries(index)) {
      for (const op of await opsOf(entry, layer, visit)) {
        view.applyOp(op, layer);
        if (!recording) continue;
        appendLayerOp(ops, op);
        recordedChars += 'path' in op ? op.path.length : 0;
        // A layer of long paths would hold them all, and again as the cache's JSON: such a layer
        // is read afresh next time instead.
        if (recordedChars > maxRecordedPathChars) {
          recording = false;
          ops.length = 0;
        }
      }
    }
    if (recorder && recording) await recorder.record(layer.digest, await resolveLayerOps(ops));
  }
  return view.finish();
}

/** A replayed file operation carries a plain result; the view keeps promises. */
function pending<R>(op: LayerOp<R>): PendingLayerOp<R> {
  return op.op === 'file' ? { ...op, result: Promise.resolve(op.result) } : op;
}

/** The operations one layer entry performs, visiting (and consuming) a regular file's content. */
async function opsOf<R>(
  entry: LayerEntry,
  layer: LayerPosition,
  visit: FileVisitor<R>,
): Promise<PendingLayerOp<R>[]> {
  const slash = entry.path.lastIndexOf('/');
  const dir = slash < 0 ? '' : entry.path.slice(0, slash);
  const base = entry.path.slice(slash + 1);

  if (base.startsWith(whiteoutPrefix)) {
    entry.content?.resume();
    return base === opaqueMarker
      ? [{ op: 'opaque', dir }]
      : [{ op: 'remove', path: joinPath(dir, base.slice(whiteoutPrefix.length)), subtree: true }];
  }

  // Any entry replaces what lower layers had at its path; a non-directory also replaces what
  // lower layers had below it (a directory turned into a file or link).
  const ops: PendingLayerOp<R>[] = [
    { op: 'remove', path: entry.path, subtree: entry.type !== 'dir' },
  ];
  switch (entry.type) {
    case 'file': {
      // `content` may be created on first access (tar layers): visitors read it only when
      // they want the file, and unwanted files are discarded without it where possible.
      const file: VisitedFile = {
        path: entry.path,
        mode: entry.mode,
        size: entry.size,
        get content() {
          return entry.content ?? Readable.from([]);
        },
      };
      const visited = await visit(file, layer);
      if (visited) ops.push({ op: 'file', path: entry.path, result: visited.result });
      else if (entry.discardContent) entry.discardContent();
      else if (entry.content) await drain(entry.content);
      break;
    }
    case 'symlink':
      if (entry.linkTarget !== undefined) {
        ops.push({ op: 'symlink', path: entry.path, target: entry.linkTarget });
      }
      break;
    case 'hardlink':
      if (entry.linkTarget !== undefined) {
        ops.push({ op: 'hardlink', path: entry.path, target: entry.linkTarget });
      }
      break;
    default:
      entry.content?.resume();
  }
  return ops;
}

/** The mutable flattened view the walker builds layer by layer. */
class FlatView<R> {
  private readonly files = new Map<string, FileRecord<R>>();
  private readonly links = new Map<string, LinkRecord>();
  /** Directories that are, or once were, ancestors of a kept record: where subtree deletes matter. */
  private readonly ancestorDirs = new Set<string>();

  constructor(private readonly maxHops: number) {}

  applyOp(op: PendingLayerOp<R>, layer: LayerPosition): void {
    switch (op.op) {
      case 'remove':
        this.remove(op.path, layer.index, op.subtree);
        return;
      case 'removes':
        for (const path of op.paths) this.remove(path, layer.index, op.subtree);
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
        return { path, layer: record.layer, result: await record.result };
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
    this.files.set(path, record);
    this.noteAncestors(path);
  }

  private noteAncestors(path: string): void {
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
      this.ancestorDirs.add(path.slice(0, i));
    }
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
      if (path.startsWith(prefix) && record.layer.index < layerIndex) this.files.delete(path);
    }
    for (const [path, record] of this.links) {
      if (path.startsWith(prefix) && record.layerIndex < layerIndex) this.links.delete(path);
    }
  }
}

function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}
