import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { buildZip } from '../test/fixtures/zip-builder.js';
import { scanRecords, writeScanDb, writeScanImage } from './__fixtures__/scan-image.js';
import { scanImage } from './scan.js';
import { openVulnDb } from './vulndb/database.js';
import { SCHEMA_VERSION } from './vulndb/schema.js';

let dir: string;
let target: string;
let manualCache: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-scan-'));
  await writeScanImage(join(dir, 'image'));
  target = `oci:${join(dir, 'image')}:app`;
  manualCache = join(dir, 'manual-cache');
  await writeScanDb(manualCache);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ids = (findings: { id: string }[]) => findings.map((f) => f.id).sort();
const unreachable = [{ name: 'osv:npm', url: 'http://127.0.0.1:9/npm/all.zip' }];

describe('scanImage', () => {
  test('finds the vulnerabilities the fixture records describe, with layers and fixes', async () => {
    const result = await scanImage(target, { cacheDir: manualCache, offline: true });
    expect(ids(result.findings)).toEqual([
      'CVE-2021-23337',
      'CVE-2021-44906',
      'CVE-2023-32681',
      'MOAT-TEST-0001',
    ]);
    const lodash = result.findings.find((f) => f.id === 'CVE-2021-23337');
    expect(lodash).toMatchObject({ fixedVersions: ['4.17.21'], status: 'fixed', severity: 'HIGH' });
    expect(lodash?.layerDigest).toBe(result.inventory.artifact.layers[0]?.digest);
  });

  test('severity and ignore-unfixed filters leave findings out with their reasons', async () => {
    const result = await scanImage(target, {
      cacheDir: manualCache,
      offline: true,
      severities: ['CRITICAL', 'HIGH', 'LOW'],
      ignoreUnfixed: true,
    });
    expect(ids(result.findings)).toEqual(['CVE-2021-23337', 'CVE-2021-44906']);
    expect(result.ignored.map((i) => [i.finding.id, i.reason.kind]).sort()).toEqual([
      ['CVE-2023-32681', 'severity'],
      ['MOAT-TEST-0001', 'unfixed'],
    ]);
  });

  test('an expired ignore entry is reported as a warning and does not apply', async () => {
    const ignoreFile = join(dir, 'expired.moatignore');
    await writeFile(
      ignoreFile,
      'vulnerabilities:\n  - id: GHSA-35jh-r3h4-6jhm\n    expires: 2025-12-31\n',
    );
    const result = await scanImage(target, {
      cacheDir: manualCache,
      offline: true,
      ignoreFile,
      now: new Date('2026-02-01T00:00:00Z'),
    });
    expect(ids(result.findings)).toContain('CVE-2021-23337');
    expect(result.warnings).toContain(
      `${ignoreFile}:2: ignore entry GHSA-35jh-r3h4-6jhm expired on 2025-12-31 and no longer applies`,
    );
  });

  test('a bad ignore file is refused before the image is read', async () => {
    const ignoreFile = join(dir, 'bad.moatignore');
    await writeFile(ignoreFile, '- id: [x\n');
    await expect(
      scanImage('oci:/does/not/exist', { cacheDir: manualCache, offline: true, ignoreFile }),
    ).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('the vulnerability database', () => {
  test('offline without a database is refused with a hint', async () => {
    await expect(
      scanImage(target, { cacheDir: join(dir, 'empty-cache'), offline: true }),
    ).rejects.toMatchObject({ code: 'DB_NOT_FOUND', message: /moat db update/ });
  });

  test('without a database and with every source failing, the scan fails', async () => {
    await expect(
      scanImage(target, { cacheDir: join(dir, 'failing-cache'), updateSources: unreachable }),
    ).rejects.toMatchObject({ code: 'DB_SOURCE_UNAVAILABLE' });
  });

  test('a database imported by hand is never refreshed, however old', async () => {
    const before = (await stat(join(manualCache, 'db', 'moat-vuln.db'))).mtimeMs;
    const result = await scanImage(target, {
      cacheDir: manualCache,
      updateSources: unreachable,
      now: new Date('2099-01-01T00:00:00Z'),
    });
    expect(result.warnings.filter((w) => w.includes('update'))).toEqual([]);
    expect((await stat(join(manualCache, 'db', 'moat-vuln.db'))).mtimeMs).toBe(before);
  });

  test('a database of an older schema is refused with how to rebuild it, and left as it is', async () => {
    const cache = join(dir, 'old-schema-cache');
    await writeScanDb(cache);
    const path = join(cache, 'db', 'moat-vuln.db');
    const db = openVulnDb(path, { readonly: false });
    db.sqlite
      .prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'")
      .run(String(SCHEMA_VERSION - 1));
    db.close();
    const before = (await stat(path)).mtimeMs;
    await expect(
      scanImage(target, { cacheDir: cache, updateSources: unreachable }),
    ).rejects.toMatchObject({ code: 'DB_SCHEMA_TOO_OLD' });
    expect((await stat(path)).mtimeMs).toBe(before);
  });

  test('a stale database built by updates is kept with a warning when the refresh fails', async () => {
    const cache = join(dir, 'update-cache');
    await writeScanDb(cache, 'update');
    const result = await scanImage(target, {
      cacheDir: cache,
      updateSources: unreachable,
      now: new Date('2099-01-01T00:00:00Z'),
    });
    expect(result.findings).toHaveLength(4);
    expect(
      result.warnings.some((w) => w.startsWith('could not update the vulnerability database')),
    ).toBe(true);
  });

  describe('with a source to fetch', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      const zip = buildZip(
        scanRecords.map((r) => ({ name: `${r.id}.json`, data: JSON.stringify(r) })),
      );
      server = createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/zip' }).end(zip);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/all.zip`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test('a missing database is fetched before the scan', async () => {
      const result = await scanImage(target, {
        cacheDir: join(dir, 'fetched-cache'),
        updateSources: [{ name: 'osv:test', url }],
      });
      expect(result.findings).toHaveLength(4);
    });
  });
});
