/**
 * A read-only view of named files, so that the OCI layout and docker-archive readers work the
 * same over a directory on disk and over members of a tar file (see `tar-index.ts`).
 */
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import type { Readable } from 'node:stream';

import { InvalidInputError } from '../errors.js';
import type { Limits } from '../util/limits.js';
import { readBounded } from './json.js';
import { blobReadBytes } from './io-sizes.js';

/** Named files that can be sized and streamed. Paths are `/`-separated and relative. */
export interface FileSource {
  /** Names the source in messages (the directory or archive path). */
  readonly name: string;
  /** The size of a regular file, or undefined when there is none at `path`. */
  size(path: string): Promise<number | undefined>;
  /** Streams a regular file; fails with TARGET_INVALID when it is absent. */
  open(path: string): Promise<Readable>;
  close(): Promise<void>;
}

/** Reads a small file (JSON) from a source, bounded by `limits.maxJsonBytes`. */
export async function readSmallFile(
  source: FileSource,
  path: string,
  limits: Limits,
): Promise<Buffer> {
  return readBounded(await source.open(path), limits.maxJsonBytes, `${source.name}: ${path}`);
}

/** A {@link FileSource} over a directory; never follows a path outside it. */
export function directorySource(root: string): FileSource {
  const resolve = (path: string): string => {
    const full = join(root, path);
    const rel = relative(root, full);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw new InvalidInputError(
        'UNSAFE_PATH',
        `${root}: path ${JSON.stringify(path)} leaves the directory`,
      );
    }
    return full;
  };
  return {
    name: root,
    async size(path) {
      const stat = await lstat(resolve(path)).catch(() => undefined);
      return stat?.isFile() ? stat.size : undefined;
    },
    async open(path) {
      const full = resolve(path);
      const stat = await lstat(full).catch(() => undefined);
      if (!stat?.isFile()) {
        throw new InvalidInputError(
          'TARGET_INVALID',
          `${root}: ${path} is missing or not a regular file`,
        );
      }
      return createReadStream(full, { highWaterMark: blobReadBytes });
    },
    async close() {},
  };
}
