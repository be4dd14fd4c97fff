/**
 * Writing a result file whole or not at all: the text goes to a fresh temporary file in the
 * target's directory (same file system), which is renamed over the target once complete. A failed
 * or interrupted write leaves the old file untouched and no temporary file behind (the temporary
 * is removed on error and tracked for the signal handlers of `temp-files.ts`). Special files
 * (`/dev/stdout`, `/dev/null`, a FIFO) cannot be replaced and are written in place. No fsync:
 * a report is cheap to make again, unlike the vulnerability database (`vulndb/atomic.ts`).
 */
import { randomBytes } from 'node:crypto';
import { rm, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { trackTemp } from './temp-files.js';

/**
 * Writes `data` to `path` atomically (see the module comment). `mode` sets the permission bits
 * of the new file even when it replaces one (a private key never inherits an old file's bits).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const existing = await stat(path).catch(() => undefined);
  if (existing !== undefined && !existing.isFile()) {
    await writeFile(path, data);
    return;
  }
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const untrack = trackTemp(temp);
  try {
    // Unless `mode` says otherwise, an existing file keeps its permission bits and a new one gets
    // the usual 0666 less umask.
    const mode = options.mode ?? (existing ? existing.mode & 0o7777 : 0o666);
    await writeFile(temp, data, { flag: 'wx', mode });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    untrack();
  }
}
