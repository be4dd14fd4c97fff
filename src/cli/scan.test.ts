/**
 * `moat scan` as a user meets it, through `main` with captured streams (`runInProcess`), on the small npm + PyPI
 * image of src/__fixtures__/scan-image.ts and a database imported by hand from its OSV records.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { writeScanDb, writeScanImage } from '../__fixtures__/scan-image.js';
import { reportSchema } from '../report/report-schema.js';
import { runInProcess } from '../../test/fixtures/run-in-process.js';

let dir: string;
let target: string;
let cacheDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-cli-scan-'));
  await writeScanImage(join(dir, 'image'));
  target = `oci:${join(dir, 'image')}:app`;
  cacheDir = join(dir, 'cache');
  await writeScanDb(cacheDir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function scan(...args: string[]) {
  return runInProcess(['scan', target, '--offline', '--cache-dir', cacheDir, ...args]);
}

describe('moat scan', () => {
  test('prints the table and exits 0 by default, findings or not', async () => {
    const run = await scan();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Total: 4 (CRITICAL: 1, HIGH: 1, MEDIUM: 1, LOW: 1, UNKNOWN: 0)');
    expect(run.stdout).toContain('CVE-2021-44906');
  });

  test('--exit-code N exits N when findings remain after filters', async () => {
    expect((await scan('--exit-code', '3', '--severity', 'CRITICAL')).code).toBe(3);
  });

  test('--exit-code N exits 0 when the filters leave nothing', async () => {
    const run = await scan('--exit-code', '3', '--severity', 'UNKNOWN');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No vulnerabilities found.');
  });

  test('--ignore-unfixed leaves out the finding without a fix', async () => {
    const run = await scan('--format', 'json', '--ignore-unfixed');
    const report = reportSchema.parse(JSON.parse(run.stdout));
    expect(report.vulnerabilities.map((v) => v.id)).not.toContain('MOAT-TEST-0001');
    expect(report.summary.vulnerabilities?.ignored).toBe(1);
  });

  test('--format json writes a report that validates, with layer and fixes per finding', async () => {
    const report = reportSchema.parse(JSON.parse((await scan('--format', 'json')).stdout));
    const minimist = report.vulnerabilities.find((v) => v.id === 'CVE-2021-44906');
    expect(minimist).toMatchObject({
      fixedVersions: ['1.2.6'],
      layer: { digest: report.artifact.layers[0]?.digest },
      path: '/app/node_modules/minimist/package.json',
    });
  });

  test('--output writes the result to the file', async () => {
    const output = join(dir, 'scan.sarif');
    expect((await scan('--format', 'sarif', '--output', output)).stdout).toBe('');
    expect(JSON.parse(await readFile(output, 'utf8'))).toMatchObject({ version: '2.1.0' });
  });

  test('an ignore file leaves findings out; an expired entry is printed as a warning', async () => {
    const ignorefile = join(dir, 'ignore.yaml');
    await writeFile(
      ignorefile,
      [
        'vulnerabilities:',
        '  - id: CVE-2021-44906',
        '    statement: minimist only parses our own argv',
        '  - purl: pkg:pypi/requests',
        '    expires: 2001-01-01',
        '',
      ].join('\n'),
    );
    const run = await scan('--format', 'json', '--ignorefile', ignorefile);
    const ids = reportSchema.parse(JSON.parse(run.stdout)).vulnerabilities.map((v) => v.id);
    expect(ids).toEqual(['CVE-2021-23337', 'CVE-2023-32681', 'MOAT-TEST-0001']);
    expect(run.stderr).toContain(
      `moat: warning: ${ignorefile}:4: ignore entry pkg:pypi/requests expired on 2001-01-01`,
    );
  });

  test('an OpenVEX not_affected statement suppresses the finding', async () => {
    const vex = join(dir, 'app.openvex.json');
    await writeFile(
      vex,
      JSON.stringify({
        '@context': 'https://openvex.dev/ns/v0.2.0',
        statements: [
          {
            vulnerability: { name: 'CVE-2021-23337' },
            products: [{ '@id': 'pkg:npm/lodash@4.17.20' }],
            status: 'not_affected',
            justification: 'vulnerable_code_not_in_execute_path',
          },
        ],
      }),
    );
    const run = await scan('--format', 'json', '--vex', vex);
    const ids = reportSchema.parse(JSON.parse(run.stdout)).vulnerabilities.map((v) => v.id);
    expect(ids).not.toContain('CVE-2021-23337');
  });
});

describe('moat scan with bad input', () => {
  test('bad YAML in the ignore file exits 2 with one line naming file and line', async () => {
    const ignorefile = join(dir, 'bad.yaml');
    await writeFile(ignorefile, 'vulnerabilities:\n  - id: CVE-1\n  - id: a: b\n');
    const run = await scan('--ignorefile', ignorefile);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^moat: ${ignorefile}:3: not valid YAML: [^\\n]*\\n$`));
  });

  test('an unknown severity exits 2', async () => {
    const run = await scan('--severity', 'HIGH,URGENT');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"URGENT"');
  });

  test('an --exit-code that is not a number exits 2', async () => {
    expect((await scan('--exit-code', 'many')).code).toBe(2);
  });

  test('offline without a database exits 2 with a hint', async () => {
    const run = await runInProcess([
      'scan',
      target,
      '--offline',
      '--cache-dir',
      join(dir, 'none'),
      '-q',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/moat db update/);
  });

  test('an unknown format exits 2', async () => {
    expect((await scan('--format', 'xml')).code).toBe(2);
  });
});
