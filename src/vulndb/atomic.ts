/**
 * Atomic replacement of the database file: work happens on a temporary file in the same
 * directory, which is fsynced and renamed over the target only when complete, so readers see
 * either the old database or the new one, and a failure leaves the old one untouched.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { trackTemp } from '../util/temp-files.js';

/**
 * A fresh temporary path beside `target` (same file system, so rename is atomic), tracked with
 * SQLite's side files so that an interrupted run removes them (`util/temp-files.ts`).
 */
export function tempPathBeside(target: string, purpose: string): string {
  const temp = join(dirname(target), `.${basename(target)}.${purpose}-${randomUUID()}.tmp`);
  for (const suffix of sqliteSideFiles) trackTemp(temp + suffix);
  return temp;
}

/** A database file's own name and those of the files SQLite keeps beside it. */
const sqliteSideFiles = ['', '-journal', '-wal', '-shm'];

/** Creates the directory of `target`, then a temporary copy of `target` (or nothing, if absent). */
export async function workingCopyOf(target: string): Promise<string> {
  await mkdir(dirname(target), { recursive: true });
  const copy = tempPathBeside(target, 'import');
  try {
    await copyFile(target, copy);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return copy;
}

/** Flushes `temp` to disk and renames it over `target`, then flushes the directory entry. */
export async function commitFile(temp: string, target: string): Promise<void> {
  const file = await open(temp, 'r+');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, target);
  const dir = await open(dirname(target), 'r');
  try {
    await dir.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    await dir.close();
  }
}

/** Removes a temporary file and SQLite's side files, ignoring what is not there. */
export async function discardFile(temp: string): Promise<void> {
  await Promise.all(sqliteSideFiles.map((suffix) => rm(temp + suffix, { force: true })));
}
