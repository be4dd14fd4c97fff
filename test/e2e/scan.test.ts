/**
 * End to end: the built `moat` imports OSV records this test writes with `moat db import`, then
 * `moat scan` reads a docker archive built here (npm app layer, PyPI layer) offline. Expected
 * findings, derived by hand from the records:
 *
 * - minimist 1.2.5: CVE-2021-44906 (GHSA-xvch-5gv4-984h), CRITICAL 9.8, fixed in 1.2.6
 * - lodash 4.17.20: CVE-2021-23337 (GHSA-35jh-r3h4-6jhm), HIGH 7.2, fixed in 4.17.21
 *   (GHSA-p6mc-m468-83gw is fixed in 4.17.12, below the installed version: no finding)
 * - requests 2.30.0: CVE-2023-32681 (GHSA-j8r2-6x86-q33q), MEDIUM 5.3, fixed in 2.31.0
 * - requests 2.30.0: MOAT-TEST-0001, LOW from the source, no fix (status affected)
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { scanRecords } from '../../src/__fixtures__/scan-image.js';
import { reportSchema } from '../../src/report/report-schema.js';
import { writeDockerArchive } from '../fixtures/image-builder.js';
import { moat } from './cli.js';

const sarifSchemaPath = fileURLToPath(
  new URL('../fixtures/data/schemas/sarif-schema-2.1.0.json', import.meta.url),
);

const bin = fileURLToPath(new URL('../../bin/moat.cjs', import.meta.url));

let dir: string;
let archive: string;
let env: NodeJS.ProcessEnv;
const layerOf = new Map<string, string>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-e2e-scan-'));
  archive = join(dir, 'app.tar');
  const pkg = (name: string, version: string) => JSON.stringify({ name, version });
  const [built] = await writeDockerArchive(archive, [
    {
      tag: 'shop/app:1.0',
      layers: [
        [
          { path: 'srv/node_modules/lodash/package.json', content: pkg('lodash', '4.17.20') },
          { path: 'srv/node_modules/minimist/package.json', content: pkg('minimist', '1.2.5') },
        ],
        [
          {
            path: 'usr/local/lib/python3.12/site-packages/requests-2.30.0.dist-info/METADATA',
            content: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.30.0\n',
          },
        ],
      ],
    },
  ]);
  const layers = built?.layers ?? [];
  layerOf.set('npm', layers[0]?.digest ?? '');
  layerOf.set('pypi', layers[1]?.digest ?? '');
  const records = join(dir, 'records');
  await mkdir(records);
  for (const record of scanRecords) {
    await writeFile(join(records, `${record.id}.json`), JSON.stringify(record));
  }
  env = { MOAT_CACHE_DIR: join(dir, 'cache') };
  const imported = await moat(['db', 'import', records, '-q'], env);
  expect(imported.code).toBe(0);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('moat scan (built CLI)', () => {
  it('finds exactly the expected vulnerabilities, each with its layer and fix', async () => {
    const run = await moat(['scan', archive, '--offline', '--format', 'json'], env);
    expect(run.code).toBe(0);
    const report = reportSchema.parse(JSON.parse(run.stdout));
    const found = report.vulnerabilities.map((v) => [
      v.packageName,
      v.id,
      v.severity,
      v.status,
      v.fixedVersions.join(','),
      v.layer?.digest,
    ]);
    expect(found).toEqual([
      ['lodash', 'CVE-2021-23337', 'HIGH', 'fixed', '4.17.21', layerOf.get('npm')],
      ['minimist', 'CVE-2021-44906', 'CRITICAL', 'fixed', '1.2.6', layerOf.get('npm')],
      ['requests', 'CVE-2023-32681', 'MEDIUM', 'fixed', '2.31.0', layerOf.get('pypi')],
      ['requests', 'MOAT-TEST-0001', 'LOW', 'affected', '', layerOf.get('pypi')],
    ]);
  });

  it('exits with --exit-code when HIGH or CRITICAL findings remain', async () => {
    const run = await moat(
      ['scan', archive, '--offline', '--severity', 'HIGH,CRITICAL', '--exit-code', '5'],
      env,
    );
    expect(run.code).toBe(5);
    expect(run.stdout).toContain('Total: 2 (CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 0, UNKNOWN: 0)');
  });

  it('uses .moatignore from the working directory', async () => {
    const work = join(dir, 'work');
    await mkdir(work, { recursive: true });
    await writeFile(join(work, '.moatignore'), '- GHSA-xvch-5gv4-984h\n- purl: pkg:npm/lodash\n');
    // cli.ts runs moat in this process's directory; this case needs another one.
    const code = await new Promise<number>((resolve) => {
      execFile(
        process.execPath,
        [bin, 'scan', archive, '--offline', '--severity', 'HIGH,CRITICAL', '--exit-code', '5'],
        { cwd: work, env: { ...process.env, ...env } },
        (error) => resolve(error ? (typeof error.code === 'number' ? error.code : 1) : 0),
      );
    });
    expect(code).toBe(0);
  });

  it('writes SARIF that validates against the schema', async () => {
    const output = join(dir, 'scan.sarif');
    const run = await moat(['scan', archive, '--offline', '--format', 'sarif', '-o', output], env);
    expect(run.code).toBe(0);
    const schema = JSON.parse(readFileSync(sarifSchemaPath, 'utf8')) as Record<string, unknown>;
    delete schema.$schema;
    schema.$id = schema.id;
    delete schema.id;
    const validate = new Ajv({ strict: false, validateFormats: false }).compile(schema);
    const sarif = JSON.parse(await readFile(output, 'utf8')) as {
      runs: {
        results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
      }[];
    };
    expect(validate(sarif)).toBe(true);
    const uris = sarif.runs[0]?.results.map(
      (r) => r.locations[0]?.physicalLocation.artifactLocation.uri,
    );
    expect(uris).toContain('srv/node_modules/minimist/package.json');
  });

  it('writes CycloneDX with vulnerabilities that validates', async () => {
    const run = await moat(['scan', archive, '--offline', '--format', 'cyclonedx-json'], env);
    expect(run.code).toBe(0);
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    await expect(validator.validate(run.stdout)).resolves.toBeNull();
    const bom = JSON.parse(run.stdout) as { vulnerabilities: { id: string }[] };
    expect(bom.vulnerabilities.map((v) => v.id).sort()).toEqual([
      'CVE-2021-23337',
      'CVE-2021-44906',
      'CVE-2023-32681',
      'MOAT-TEST-0001',
    ]);
  });

  it('a CycloneDX VEX marking lodash not affected suppresses it and keeps the analysis', async () => {
    const vex = join(dir, 'vex.cdx.json');
    await writeFile(
      vex,
      JSON.stringify({
        bomFormat: 'CycloneDX',
        specVersion: '1.6',
        version: 1,
        vulnerabilities: [
          {
            id: 'CVE-2021-23337',
            analysis: { state: 'not_affected', justification: 'code_not_reachable' },
            affects: [{ ref: 'pkg:npm/lodash@4.17.20' }],
          },
        ],
      }),
    );
    const json = await moat(['scan', archive, '--offline', '--format', 'json', '--vex', vex], env);
    const ids = reportSchema.parse(JSON.parse(json.stdout)).vulnerabilities.map((v) => v.id);
    expect(ids).not.toContain('CVE-2021-23337');
    const cdx = await moat(
      ['scan', archive, '--offline', '--format', 'cyclonedx-json', '--vex', vex],
      env,
    );
    const bom = JSON.parse(cdx.stdout) as {
      vulnerabilities: { id: string; analysis?: { state: string } }[];
    };
    expect(bom.vulnerabilities.find((v) => v.id === 'CVE-2021-23337')?.analysis?.state).toBe(
      'not_affected',
    );
  });
});
