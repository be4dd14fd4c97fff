/**
 * Reading a small file whose path came from the user (a key, a trusted root, a predicate, a
 * bundle): at most `maxBytes` are held, and one byte past the limit is enough to refuse the file,
 * so a path naming something huge or endless (a device, a FIFO) is never read whole.
 */
import { createReadStream } from 'node:fs';

import { readAll } from './streams.js';

/**
 * The content of the file at `path`, at most `maxBytes`.
 * @throws LimitExceededError when it is larger; the file system's error when it cannot be read.
 */
export function readFileBounded(path: string, maxBytes: number, name: string): Promise<Buffer> {
  // `end` is inclusive: one byte past the limit is enough to know the file is too large.
  return readAll(createReadStream(path, { end: maxBytes }), maxBytes, name);
}
