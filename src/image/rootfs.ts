/**
 * The `dir:` transport: a root filesystem directory read as one synthetic layer. The tree is
 * walked with lstat — symbolic links are reported as links, never followed — in sorted order, and
 * file contents are opened only when first read.
 *
 * The synthetic layer has no blob, so its descriptor digest is `dir:<absolute path>` (never a
 * valid content digest, so no cache can confuse it with a real layer), size 0 and media type
 * `application/vnd.oci.image.layer.v1.tar`.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';

import { InvalidInputError, LimitExceededError } from '../errors.js';
import { defaultLimits, type Limits } from '../util/limits.js';
import { imageFromParts } from './image-model.js';
import { mediaTypes } from './media-types.js';
import type { EntryType, Image, LayerEntry, OpenImageOptions } from './types.js';

/** A Readable over a file that opens the file on first read. */
function lazyFile(path: string): Readable {
  let inner: ReadStream | undefined;
  return new Readable({
    read() {
      if (inner) {
        inner.resume();
        return;
      }
      inner = createReadStream(path);
      inner.on('data', (chunk) => {
        if (!this.push(chunk)) inner?.pause();
      });
      inner.on('end', () => this.push(null));
      inner.on('error', (error) => this.destroy(error));
    },
    destroy(error, callback) {
      inner?.destroy();
      callback(error);
    },
  });
}

/** Walks `root` depth-first in name order, yielding layer entries. */
async function* walkDirectory(
  root: string,
  limits: Limits,
): AsyncGenerator<LayerEntry, void, undefined> {
  let count = 0;
  const pending: string[] = [''];
  // The first path seen of each multiply-linked file: later names become hard links to it, as a
  // tar layer records them, so the file is analysed once.
  const firstNameOf = new Map<string, string>();
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    const names = (await readdir(join(root, dir))).sort();
    const children: string[] = [];
    for (const name of names) {
      const path = dir === '' ? name : `${dir}/${name}`;
      if (Buffer.byteLength(path) > limits.maxPathBytes) {
        throw new LimitExceededError(
          `${root}: path longer than ${limits.maxPathBytes} bytes under ${dir || '/'}`,
        );
      }
      count += 1;
      if (count > limits.maxLayerEntries)
        throw new LimitExceededError(
          `${root}: directory has more than ${limits.maxLayerEntries} entries`,
        );
      const full = join(root, path);
      const stat = await lstat(full);
      const type: EntryType = stat.isFile()
        ? 'file'
        : stat.isDirectory()
          ? 'dir'
          : stat.isSymbolicLink()
            ? 'symlink'
            : 'other';
      const entry: LayerEntry = {
        path,
        type,
        mode: stat.mode & 0o7777,
        size: type === 'file' ? stat.size : 0,
      };
      if (type === 'symlink') entry.linkTarget = await readlink(full);
      const inode = type === 'file' && stat.nlink > 1 ? `${stat.dev}:${stat.ino}` : undefined;
      const first = inode === undefined ? undefined : firstNameOf.get(inode);
      if (first !== undefined) {
        yield { path, type: 'hardlink', mode: entry.mode, size: 0, linkTarget: first };
        continue;
      }
      if (inode !== undefined) firstNameOf.set(inode, path);
      if (type === 'file') {
        const content = lazyFile(full);
        entry.content = content;
        entry.discardContent = () => content.destroy();
      }
      yield entry;
      if (type === 'dir') children.push(path);
    }
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i] as string);
  }
}

/** Opens `dir:PATH` as a one-layer image with an empty config. */
export async function openRootfs(path: string, options: OpenImageOptions = {}): Promise<Image> {
  const limits: Limits = { ...defaultLimits, ...options.limits };
  const root = resolve(path);
  const stat = await lstat(root).catch(() => undefined);
  if (!stat?.isDirectory())
    throw new InvalidInputError('TARGET_INVALID', `${path}: not a directory`);
  return imageFromParts(
    {
      name: path,
      transport: 'dir',
      config: {},
      repoTags: [],
      layers: [{ digest: `dir:${root}`, size: 0, mediaType: mediaTypes.ociLayer }],
      entries: () => walkDirectory(root, limits),
      close: () => Promise.resolve(),
    },
    limits,
  );
}
