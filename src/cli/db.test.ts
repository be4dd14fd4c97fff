/**
 * `moat db` as a user meets it: exit codes and what it prints for imports, bundles, status and
 * update (against a local HTTP server), and one line with exit 2 for each kind of bad input.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { buildZip } from '../../test/fixtures/zip-builder.js';
import { generateBundleKeyPair } from '../vulndb/keys.js';
import { SCHEMA_VERSION } from '../vulndb/schema.js';
import { runInProcess } from '../../test/fixtures/run-in-process.js';

let dir: string;
let cache: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-cli-db-'));
  cache = join(dir, 'cache');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = runInProcess;

function record(id: string, ecosystem = 'Debian:12', name = 'openssl'): string {
  return JSON.stringify({
    id,
    modified: '2024-01-01T00:00:00Z',
    affected: [
      {
        package: { ecosystem, name },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.14-1' }] }],
      },
    ],
  });
}

async function zipOf(name: string, records: Record<string, string>): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    buildZip(Object.entries(records).map(([file, data]) => ({ name: file, data }))),
  );
  return path;
}

interface StatusJson {
  records: number;
  schemaVersion: number;
  ecosystems: { ecosystem: string; records: number }[];
  origin: string;
}

async function status(cacheDir = cache): Promise<StatusJson> {
  const result = await run(['db', 'status', '--cache-dir', cacheDir, '--format', 'json']);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as StatusJson;
}

describe('moat db', () => {
  it('imports a zip and shows the records per ecosystem in its status', async () => {
    const zip = await zipOf('all.zip', {
      'DSA-1.json': record('DSA-1'),
      'DSA-2.json': record('DSA-2'),
    });
    const result = await run(['db', 'import', zip, '--cache-dir', cache]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('2 records read: 2 new');
    expect(await status()).toMatchObject({
      records: 2,
      schemaVersion: SCHEMA_VERSION,
      ecosystems: [{ ecosystem: 'Debian:12', records: 2 }],
    });
  });

  it('warns about malformed records and unknown ecosystems but succeeds', async () => {
    const zip = await zipOf('all.zip', {
      'BAD.json': '{',
      'HEX-1.json': record('HEX-1', 'Hex', 'plug'),
    });
    const result = await run(['db', 'import', zip, '--cache-dir', cache]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 malformed skipped');
    expect(result.stderr).toContain('BAD.json: not valid JSON');
    expect(result.stderr).toContain('Hex (1)');
  });

  it('exports a signed bundle and imports it elsewhere with the public key', async () => {
    const keys = generateBundleKeyPair();
    await writeFile(join(dir, 'priv.pem'), keys.privateKeyPem);
    await writeFile(join(dir, 'pub.pem'), keys.publicKeyPem);
    await run([
      'db',
      'import',
      await zipOf('all.zip', { 'A.json': record('A') }),
      '--cache-dir',
      cache,
    ]);
    const bundle = join(dir, 'db.bundle');
    const exported = await run([
      'db',
      'export',
      '--output',
      bundle,
      '--key',
      join(dir, 'priv.pem'),
      '--cache-dir',
      cache,
    ]);
    expect(exported.code).toBe(0);
    const other = join(dir, 'other-cache');
    const imported = await run([
      'db',
      'import',
      bundle,
      '--key',
      join(dir, 'pub.pem'),
      '--cache-dir',
      other,
    ]);
    expect(imported).toMatchObject({ code: 0, stderr: '' });
    expect(await status(other)).toMatchObject({ records: 1, origin: 'bundle' });
  });

  it('requires --key to import a bundle, with exit 2 and one line', async () => {
    const keys = generateBundleKeyPair();
    await writeFile(join(dir, 'priv.pem'), keys.privateKeyPem);
    await run([
      'db',
      'import',
      await zipOf('all.zip', { 'A.json': record('A') }),
      '--cache-dir',
      cache,
    ]);
    const bundle = join(dir, 'db.bundle');
    await run(['db', 'export', '-o', bundle, '--key', join(dir, 'priv.pem'), '--cache-dir', cache]);
    const result = await run(['db', 'import', bundle, '--cache-dir', join(dir, 'other')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining('needs --key')]);
  });

  it('refuses a tampered bundle with exit 2 and keeps the current database', async () => {
    const keys = generateBundleKeyPair();
    await writeFile(join(dir, 'priv.pem'), keys.privateKeyPem);
    await writeFile(join(dir, 'pub.pem'), keys.publicKeyPem);
    await run([
      'db',
      'import',
      await zipOf('all.zip', { 'A.json': record('A'), 'B.json': record('B') }),
      '--cache-dir',
      cache,
    ]);
    const bundle = join(dir, 'db.bundle');
    await run(['db', 'export', '-o', bundle, '--key', join(dir, 'priv.pem'), '--cache-dir', cache]);
    const bytes = await readFile(bundle);
    bytes[bytes.length - 50] = (bytes[bytes.length - 50] ?? 0) ^ 1;
    await writeFile(bundle, bytes);
    const other = join(dir, 'other');
    await run([
      'db',
      'import',
      await zipOf('one.zip', { 'C.json': record('C') }),
      '--cache-dir',
      other,
    ]);
    const result = await run([
      'db',
      'import',
      bundle,
      '--key',
      join(dir, 'pub.pem'),
      '--cache-dir',
      other,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(bundle);
    expect(await status(other)).toMatchObject({ records: 1 });
  });

  it('fails with exit 2 naming a source that does not exist', async () => {
    const missing = join(dir, 'missing.zip');
    const result = await run(['db', 'import', missing, '--cache-dir', cache]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`moat: ${missing}: no such file or directory\n`);
  });

  describe('refuses, with exit 2 and one line naming it, an input that', () => {
    async function refused(source: string, reason: string | RegExp): Promise<void> {
      const result = await run(['db', 'import', source, '--cache-dir', cache]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(source)]);
      expect(result.stderr).toMatch(reason);
    }

    it('is a character device such as /dev/zero (never read)', async () => {
      await refused('/dev/zero', 'not a regular file (a character device)');
    });

    it('is a FIFO (never opened for a blocking read)', async () => {
      const fifo = join(dir, 'records.json');
      execFileSync('mkfifo', [fifo]);
      await refused(fifo, 'not a regular file (a FIFO)');
    });

    it('is a record file one byte over the 4 MiB record limit; one at the limit imports', async () => {
      const limit = 4 * 1024 * 1024;
      const base = JSON.parse(record('BIG-1')) as Record<string, unknown>;
      const padded = (bytes: number) => {
        const text = JSON.stringify({ ...base, details: '' });
        return JSON.stringify({ ...base, details: 'x'.repeat(bytes - text.length) });
      };
      const atLimit = join(dir, 'at-limit.json');
      await writeFile(atLimit, padded(limit));
      const over = join(dir, 'over-limit.json');
      await writeFile(over, padded(limit + 1));
      await refused(over, `${limit + 1} bytes exceed the record limit of ${limit}`);
      const result = await run(['db', 'import', atLimit, '--cache-dir', cache]);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain('1 records read: 1 new');
    });

    it('holds a YAML alias bomb (billion laughs)', async () => {
      const rows = [
        'id: LOL-1',
        "modified: '2024-01-01T00:00:00Z'",
        'a: &a [x, x, x, x, x, x, x, x, x]',
      ];
      for (const [name, previous] of [
        ['b', 'a'],
        ['c', 'b'],
        ['d', 'c'],
        ['e', 'd'],
        ['f', 'e'],
      ]) {
        rows.push(
          `${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(', ')}]`,
        );
      }
      const bomb = join(dir, 'bomb.yaml');
      await writeFile(bomb, `${rows.join('\n')}\n`);
      await refused(bomb, 'YAML aliases expand past the limit of 100 uses');
    });
  });

  it('fails with exit 2 and a hint when there is no database yet', async () => {
    const result = await run(['db', 'status', '--cache-dir', cache]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('moat db update');
  });

  it('fails with exit 2 on an unknown subcommand option', async () => {
    const result = await run(['db', 'status', '--bogus']);
    expect(result.code).toBe(2);
  });

  describe('update', () => {
    let server: Server;
    let base: string;
    beforeEach(async () => {
      const zip = buildZip([{ name: 'GHSA-1.json', data: record('GHSA-1', 'npm', 'lodash') }]);
      server = createServer((request, response) => {
        if (request.headers['if-none-match'] === '"1"') response.writeHead(304).end();
        else response.writeHead(200, { etag: '"1"' }).end(zip);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('fetches a source, then finds it unchanged on the next update', async () => {
      const first = await run([
        'db',
        'update',
        '--source',
        `${base}/npm/all.zip`,
        '--cache-dir',
        cache,
      ]);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('1 new');
      const second = await run([
        'db',
        'update',
        '--source',
        `${base}/npm/all.zip`,
        '--cache-dir',
        cache,
      ]);
      expect(second).toMatchObject({
        code: 0,
        stdout: '1 source(s) unchanged since the last update\n',
      });
    });

    it('fails with exit 2 when a source cannot be fetched', async () => {
      const result = await run([
        'db',
        'update',
        '--source',
        'http://127.0.0.1:1/all.zip',
        '--cache-dir',
        cache,
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    });
  });
});
