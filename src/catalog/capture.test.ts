/**
 * FileCapture spooling: a file written to the private temp directory fails its visit cleanly when
 * the disk refuses it.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { defaultLimits } from '../util/limits.js';
import { FileCapture } from './capture.js';
import type { AnalyzerContext, SpoolAnalyzer } from './types.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-capture-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spoolEverything: SpoolAnalyzer = {
  name: 'spool-all',
  version: 1,
  input: 'spool',
  wants: () => true,
  analyze: () => Promise.resolve({}),
};

describe('FileCapture', () => {
  it('rejects the visit when the spool file cannot be written, instead of crashing', async () => {
    const ctx: AnalyzerContext = {
      limits: defaultLimits,
      warn: () => undefined,
      tempDir: () => Promise.resolve(dir),
    };
    // The first spool file's name is taken by a directory: opening it for writing fails.
    await mkdir(join(dir, 'spool-0'));
    const capture = new FileCapture([spoolEverything], ctx);
    const size = 8 * 1024 * 1024;
    const visit = capture.visit(
      {
        path: 'big.bin',
        mode: 0o644,
        size,
        content: Readable.from([Buffer.alloc(size / 2), Buffer.alloc(size / 2)]),
      },
      { index: 0, digest: 'sha256:x' },
    );
    await expect(visit).rejects.toMatchObject({ code: 'EEXIST' });
  });
});
