import { describe, expect, it } from 'vitest';

import { runInProcess } from '../../test/fixtures/run-in-process.js';

/** Runs the CLI in-process, capturing what it prints. */
const run = runInProcess;

describe('moat CLI', () => {
  it('exits 2 with one line when the target is missing', async () => {
    const result = await run(['sbom']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain("missing required argument 'target'");
  });

  it('exits 2 naming the file when a target path does not exist', async () => {
    const result = await run(['sbom', 'docker-archive:/nonexistent/image.tar']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^moat: .*\/nonexistent\/image\.tar/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 on an unknown output format', async () => {
    const result = await run(['sbom', 'dir:/', '--format', 'xml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('xml');
  });

  it('prints the version and exits 0', async () => {
    const result = await run(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
