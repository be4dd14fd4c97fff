/**
 * Builders for OSV records and temporary database directories used by the vulndb tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An OSV record affecting `name` in `ecosystem`, fixed in 2.0; `extra` overrides any field. */
export function osvRecord(
  id: string,
  ecosystem: string,
  name: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    schema_version: '1.6.0',
    id,
    modified: '2024-01-01T00:00:00Z',
    published: '2023-12-01T00:00:00Z',
    aliases: [`CVE-2024-${id.length}${id.charCodeAt(id.length - 1)}`],
    summary: `${name} is vulnerable`,
    affected: [
      {
        package: { ecosystem, name },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }],
      },
    ],
    ...extra,
  };
}

/** JSON text of a record. */
export function json(record: unknown): string {
  return JSON.stringify(record, null, 2);
}

/** A fresh temporary directory and a function removing it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'moat-vulndb-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
