/**
 * `moat scan` given hostile or mistaken documents and flags: YAML alias bombs, impossible dates,
 * and names such as `constructor` or `__proto__` that a plain object would answer by itself.
 * Every one must end with exit code 2 and one line naming the file, the value or the flag.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { writeScanDb, writeScanImage } from '../__fixtures__/scan-image.js';
import { runInProcess } from '../../test/fixtures/run-in-process.js';

let dir: string;
let target: string;
let cacheDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-cli-hostile-'));
  await writeScanImage(join(dir, 'image'));
  target = `oci:${join(dir, 'image')}:app`;
  cacheDir = join(dir, 'cache');
  await writeScanDb(cacheDir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function scan(...args: string[]) {
  return runInProcess(['scan', target, '--offline', '--cache-dir', cacheDir, '-q', ...args]);
}

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** Nine levels of ten aliases each: a billion leaves if expanded. */
const aliasBomb = [
  'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
  ...'bcdefghi'
    .split('')
    .map((name, i) => `${name}: &${name} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  'vulnerabilities: [*i]',
  '',
].join('\n');

function expectOneLine(run: { code: number; stderr: string }, ...parts: string[]): void {
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/^moat: [^\n]*\n$/);
  for (const part of parts) expect(run.stderr).toContain(part);
}

describe('moat scan refuses hostile documents with exit 2 and one line', () => {
  test('an ignore file that is a YAML alias bomb', async () => {
    const path = await file('bomb.yaml', aliasBomb);
    expectOneLine(await scan('--ignorefile', path), path, 'YAML aliases');
  });

  test('an ignore entry that expires on 2024-02-30, naming the date and the file', async () => {
    const path = await file(
      'feb30.yaml',
      'vulnerabilities:\n  - id: CVE-1\n    expires: 2024-02-30\n',
    );
    expectOneLine(await scan('--ignorefile', path), `${path}:3`, '"2024-02-30"');
  });

  test('an OpenVEX statement dated 2024-02-30, naming the date and the file', async () => {
    const vex = {
      '@context': 'https://openvex.dev/ns/v0.2.0',
      statements: [
        {
          vulnerability: { name: 'CVE-2021-44906' },
          products: ['pkg:npm/minimist'],
          status: 'not_affected',
          timestamp: '2024-02-30T10:00:00Z',
        },
      ],
    };
    const path = await file('feb30.openvex.json', JSON.stringify(vex));
    expectOneLine(await scan('--vex', path), path, '"2024-02-30T10:00:00Z"');
  });

  test('an ignore file with a collection as a key', async () => {
    const path = await file('collection-key.yaml', '? [a, b]\n: 1\n');
    expectOneLine(await scan('--ignorefile', path), path, 'unknown key "[ a, b ]" at the top');
  });
});

describe('moat scan treats prototype names as unknown names', () => {
  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    '--format %s is an unknown format',
    async (name) => {
      expectOneLine(await scan('--format', name), name);
    },
  );

  test.each(['constructor', '__proto__', 'toString'])(
    '--severity %s is an unknown severity',
    async (name) => {
      expectOneLine(await scan('--severity', name), name);
    },
  );

  test.each(['constructor', '__proto__', 'toString'])(
    'an ignore file with a %s: key is refused naming the key',
    async (name) => {
      const path = await file(`${name}.yaml`, `${name}:\n  - id: CVE-1\n`);
      expectOneLine(await scan('--ignorefile', path), path, `unknown key "${name}" at the top`);
    },
  );

  test.each(['constructor', '__proto__'])(
    'an ignore entry with a %s: key is refused naming the key',
    async (name) => {
      const path = await file(
        `entry-${name}.yaml`,
        `vulnerabilities:\n  - id: CVE-1\n    ${name}: x\n`,
      );
      expectOneLine(await scan('--ignorefile', path), path, `unknown key "${name}" in an entry`);
    },
  );
});
