/**
 * Moat as a library (D23): a separate Node process imports the built package by its name
 * (`import … from 'moat'`, resolved through package.json `exports`) and runs the stages the CLI
 * is made of — open, inventory, match, render — on a small image and database built here.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeScanDb, writeScanImage } from '../../src/__fixtures__/scan-image.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-e2e-library-'));
  await writeScanImage(join(dir, 'layout'));
  await writeScanDb(join(dir, 'cache'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const consumer = `
import { catalogImage, matchInventory, openImage, openVulnDb, renderScan, reportSchema, vulnDbPath } from 'moat';
const [target, cacheDir] = process.argv.slice(1);
const image = await openImage(target);
const inventory = await catalogImage(image);
await image.close();
const db = openVulnDb(vulnDbPath(cacheDir), { readonly: true });
const { findings } = matchInventory(inventory, db);
db.close();
const text = await renderScan({ inventory, findings, ignored: [], warnings: [] }, 'json');
process.stdout.write(JSON.stringify(reportSchema.parse(JSON.parse(text))));
`;

describe('the moat package', () => {
  it('declares its entry and types in package.json exports, and both are built', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; import: string }>;
    };
    const entry = pkg.exports['.'];
    expect(entry).toBeDefined();
    expect(existsSync(join(root, entry?.types ?? ''))).toBe(true);
    expect(existsSync(join(root, entry?.import ?? ''))).toBe(true);
  });

  it('runs inventory, match and render when imported by name from another process', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', consumer, `oci:${join(dir, 'layout')}:app`, join(dir, 'cache')],
      { cwd: root },
    );
    const report = JSON.parse(stdout) as {
      packages: { name: string }[];
      vulnerabilities: { id: string }[];
    };
    expect(report.packages.map((p) => p.name).sort()).toEqual(['lodash', 'minimist', 'requests']);
    expect(report.vulnerabilities.map((v) => v.id).sort()).toEqual([
      'CVE-2021-23337',
      'CVE-2021-44906',
      'CVE-2023-32681',
      'MOAT-TEST-0001',
    ]);
  });
});
