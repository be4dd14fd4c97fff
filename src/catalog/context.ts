/**
 * The analyzer context: warnings and a private temp directory that is removed when the scan ends.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { trackTemp } from '../util/temp-files.js';
import { defaultLimits, type Limits } from '../util/limits.js';
import type { AnalyzerContext } from './types.js';

/** An analyzer context plus the means to clean up after it. */
export interface ScanContext extends AnalyzerContext {
  readonly warnings: string[];
  /** Removes the private temp directory, if one was made. */
  dispose(): Promise<void>;
}

/** Creates a context whose warnings are collected (and forwarded to `onWarning`). */
export function createScanContext(
  options: { limits?: Partial<Limits>; onWarning?: (message: string) => void } = {},
): ScanContext {
  const warnings: string[] = [];
  const limits: Limits = { ...defaultLimits, ...options.limits };
  let dir: Promise<string> | undefined;
  return {
    limits,
    warnings,
    warn(message: string) {
      warnings.push(message);
      options.onWarning?.(message);
    },
    tempDir() {
      // Tracked, so that an interrupted run removes it too (util/temp-files.ts).
      dir ??= mkdtemp(join(tmpdir(), 'moat-')).then((path) => {
        trackTemp(path);
        return path;
      });
      return dir;
    },
    async dispose() {
      if (dir) await rm(await dir, { recursive: true, force: true });
    },
  };
}
