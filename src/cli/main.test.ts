import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';

import { main } from './main.js';

/** Runs the CLI in-process, capturing what it prints. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        append(chunk.toString());
        callback();
      },
    });
  const code = await main(args, {
    stdout: sink((t) => (stdout += t)),
    stderr: sink((t) => (stderr += t)),
  });
  return { code, stdout, stderr };
}

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
