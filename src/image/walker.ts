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
import { FlatView } from './flat-view.js';
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

/** One version of a file: the layer that wrote it and what the visitor made of it. */
export interface FileVersion<R> {
  layer: LayerPosition;
  result: R;
}

/** One file of the flattened image and the result its visitor produced. */
export interface WalkedFile<R> extends FileVersion<R> {
  path: string;
  /**
   * The versions of this path that lower layers wrote and this one replaced in place, oldest
   * first, without a gap: a whiteout (or a removed parent directory) ends the history. Lets a
   * package database rewritten by a later layer still name the layer each entry first came from.
   */
  earlier: FileVersion<R>[];
}

/** The flattened view of an image after every layer was applied. */
export interface WalkResult<R> {
  /** Files whose results survived every later layer, sorted by path. */
  files: WalkedFile<R>[];
  /** Resolves symbolic links in `path` within the image root; `undefined` after too many hops. */
  resolve(path: string): string | undefined;
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

function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}
