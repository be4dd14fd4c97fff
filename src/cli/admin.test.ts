/**
 * `moat admin gc` as an operator meets it: against the embedded-default stores of a data
 * directory, what it prints, its JSON report and exit 2 on bad input.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runInProcess as run } from '../../test/fixtures/run-in-process.js';
import type { GcReport } from '../jobs/gc.js';
import { pushBlob, pushManifest, blobRef, tick } from '../jobs/__fixtures__/test-registry.js';
import { openBlobStore } from '../store/blobs/open.js';
import { openMetadataStore } from '../store/metadata/open.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-cli-admin-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A data directory with one tagged image and one loose blob of 2 MiB. */
async function seed(): Promise<{ loose: string; kept: string }> {
  const meta = await openMetadataStore({ kind: 'sqlite', path: join(dir, 'moat.db') });
  const blobs = await openBlobStore({ kind: 'fs', root: join(dir, 'blobs') });
  const registry = { meta, blobs, close: async () => {} };
  try {
    const layer = await pushBlob(registry, 'team/app', 10);
    await pushManifest(registry, 'team/app', [blobRef(layer)], { tag: 'v1' });
    const loose = await pushBlob(registry, 'team/app', 2 * 1024 * 1024);
    await tick();
    return { loose: loose.digest, kept: layer.digest };
  } finally {
    await blobs.close();
    await meta.close();
  }
}

describe('moat admin gc', () => {
  it('lists what it would free in a dry run and changes nothing', async () => {
    const { loose } = await seed();
    const dry = await run(['admin', 'gc', '--data', dir, '--grace-period', '0s', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      `would delete 1 blobs (2.0 MiB), 0 manifests\nblob ${loose} ${2 * 1024 * 1024}\n`,
    );
    const again = await run(['admin', 'gc', '--data', dir, '--grace-period', '0s', '--dry-run']);
    expect(again.stdout).toBe(dry.stdout);
  });

  it('deletes the unreferenced blobs and says what it freed', async () => {
    await seed();
    const result = await run(['admin', 'gc', '--data', dir, '--grace-period', '0s']);
    expect(result).toEqual({
      code: 0,
      stdout: 'deleted 1 blobs (2.0 MiB), 0 manifests\n',
      stderr: '',
    });
  });

  it('prints the report as JSON with --format json', async () => {
    const { loose } = await seed();
    const result = await run(['admin', 'gc', '--data', dir, '--grace-period', '0s', '-f', 'json']);
    const report = JSON.parse(result.stdout) as GcReport;
    expect(report).toMatchObject({ dryRun: false, blobsDeleted: 1, bytesFreed: 2 * 1024 * 1024 });
    expect(report.candidates.blobs.map((blob) => blob.digest)).toEqual([loose]);
  });

  it('removes untagged manifests and the blobs only they referenced with --untagged', async () => {
    await seed();
    const meta = await openMetadataStore({ kind: 'sqlite', path: join(dir, 'moat.db') });
    const blobs = await openBlobStore({ kind: 'fs', root: join(dir, 'blobs') });
    try {
      const registry = { meta, blobs, close: async () => {} };
      const layer = await pushBlob(registry, 'team/app', 1024 * 1024);
      await pushManifest(registry, 'team/app', [blobRef(layer)]);
      await tick();
    } finally {
      await blobs.close();
      await meta.close();
    }
    const result = await run(['admin', 'gc', '--data', dir, '--grace-period', '0s', '--untagged']);
    expect(result.stdout).toBe('deleted 2 blobs (3.0 MiB), 1 manifests\n');
  });

  it('keeps what the grace period (default 1h) protects', async () => {
    await seed();
    const result = await run(['admin', 'gc', '--data', dir]);
    expect(result.stdout).toBe('deleted 0 blobs (0.0 MiB), 0 manifests\n');
  });

  it('reads the data directory from --config', async () => {
    await seed();
    const config = join(dir, 'moat.yaml');
    await writeFile(config, `dataDir: ${dir}\ngc:\n  gracePeriod: 1ms\n`);
    const result = await run(['admin', 'gc', '--config', config]);
    expect(result.stdout).toBe('deleted 1 blobs (2.0 MiB), 0 manifests\n');
  });

  it.each([
    [['--grace-period', 'soon'], /--grace-period: soon is not a duration/],
    [['--format', 'xml'], /argument 'xml' is invalid/],
    [['--config', '/nonexistent/moat.yaml'], /moat\.yaml/],
  ])('exits 2 with one line for %j', async (args, message) => {
    const result = await run(['admin', 'gc', '--data', dir, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
