/**
 * The ignore-file and VEX limits of src/filter/limits.ts tested at the limit: exactly N is
 * accepted, N + 1 is refused naming the file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadIgnoreFile, parseIgnoreFile } from '../../src/filter/ignore-file-parse.js';
import { defaultFilterLimits } from '../../src/filter/limits.js';
import { loadVex, parseVex } from '../../src/filter/vex.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-limits-filter-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ids = (n: number) => Array.from({ length: n }, (_, i) => `CVE-2024-${1000 + i}`);

function openVex(count: number): string {
  return JSON.stringify({
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': 'https://example.com/vex/1',
    author: 'Security Team',
    timestamp: '2026-01-01T00:00:00Z',
    version: 1,
    statements: ids(count).map((id) => ({
      vulnerability: { name: id },
      products: [{ '@id': 'pkg:npm/lodash@4.17.20' }],
      status: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
    })),
  });
}

function cdxVex(count: number): string {
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 1,
    components: [],
    vulnerabilities: ids(count).map((id) => ({ id, analysis: { state: 'not_affected' } })),
  });
}

describe('maxIgnoreFileBytes', () => {
  const text = '- CVE-2024-1000\n- CVE-2024-1001\n';
  const size = Buffer.byteLength(text);

  it('reads an ignore file of exactly maxIgnoreFileBytes bytes', async () => {
    const path = join(dir, '.moatignore');
    await writeFile(path, text);
    const limits = { ...defaultFilterLimits, maxIgnoreFileBytes: size };
    const file = await loadIgnoreFile(path, limits);
    expect(file.entries.map((e) => e.id)).toEqual(['CVE-2024-1000', 'CVE-2024-1001']);
  });

  it('refuses an ignore file of maxIgnoreFileBytes + 1 bytes with LIMIT_EXCEEDED naming it', async () => {
    const path = join(dir, '.moatignore');
    await writeFile(path, text);
    const limits = { ...defaultFilterLimits, maxIgnoreFileBytes: size - 1 };
    await expect(loadIgnoreFile(path, limits)).rejects.toThrow(
      expect.objectContaining({
        code: 'LIMIT_EXCEEDED',
        message: `${path}: the ignore file is larger than ${size - 1} bytes`,
      }) as Error,
    );
  });
});

describe('maxIgnoreEntries', () => {
  const limits = { ...defaultFilterLimits, maxIgnoreEntries: 3 };
  const list = (n: number) =>
    ids(n)
      .map((id) => `- ${id}\n`)
      .join('');
  const mapping = (n: number) =>
    `vulnerabilities:\n${ids(n)
      .map((id) => `  - id: ${id}\n`)
      .join('')}`;

  it('accepts a list of exactly maxIgnoreEntries entries', () => {
    expect(parseIgnoreFile(list(3), '.moatignore', limits).entries).toHaveLength(3);
  });

  it('refuses a list of maxIgnoreEntries + 1 entries naming the file and the limit', () => {
    expect(() => parseIgnoreFile(list(4), '.moatignore', limits)).toThrow(
      expect.objectContaining({ code: 'USAGE', message: '.moatignore: more than 3 entries' }),
    );
  });

  it('accepts a vulnerabilities mapping of exactly maxIgnoreEntries entries', () => {
    expect(parseIgnoreFile(mapping(3), '.moatignore', limits).entries).toHaveLength(3);
  });

  it('refuses a vulnerabilities mapping of maxIgnoreEntries + 1 entries naming the file and the limit', () => {
    expect(() => parseIgnoreFile(mapping(4), '.moatignore', limits)).toThrow(
      expect.objectContaining({ code: 'USAGE', message: '.moatignore: more than 3 entries' }),
    );
  });

  // The `.trivyignore` form: ids one per line, which YAML reads as one plain scalar.
  const lines = (n: number) => ids(n).join('\n') + '\n';

  it('accepts exactly maxIgnoreEntries ids one per line', () => {
    expect(parseIgnoreFile(lines(3), '.trivyignore', limits).entries).toHaveLength(3);
  });

  it('refuses maxIgnoreEntries + 1 ids one per line naming the file and the limit', () => {
    expect(() => parseIgnoreFile(lines(4), '.trivyignore', limits)).toThrow(
      expect.objectContaining({ code: 'USAGE', message: '.trivyignore: more than 3 entries' }),
    );
  });
});

describe('maxVexBytes', () => {
  const text = openVex(1);
  const size = Buffer.byteLength(text);

  it('reads a VEX document of exactly maxVexBytes bytes', async () => {
    const path = join(dir, 'app.openvex.json');
    await writeFile(path, text);
    const statements = await loadVex(path, { ...defaultFilterLimits, maxVexBytes: size });
    expect(statements).toHaveLength(1);
  });

  it('refuses a VEX document of maxVexBytes + 1 bytes with LIMIT_EXCEEDED naming it', async () => {
    const path = join(dir, 'app.openvex.json');
    await writeFile(path, text);
    await expect(loadVex(path, { ...defaultFilterLimits, maxVexBytes: size - 1 })).rejects.toThrow(
      expect.objectContaining({
        code: 'LIMIT_EXCEEDED',
        message: `${path}: the VEX document is larger than ${size - 1} bytes`,
      }) as Error,
    );
  });
});

describe('maxVexStatements', () => {
  const limits = { ...defaultFilterLimits, maxVexStatements: 3 };

  it('accepts an OpenVEX document of exactly maxVexStatements statements', () => {
    expect(parseVex(openVex(3), 'app.openvex.json', limits)).toHaveLength(3);
  });

  it('refuses an OpenVEX document of maxVexStatements + 1 statements naming the file and the limit', () => {
    expect(() => parseVex(openVex(4), 'app.openvex.json', limits)).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        message: 'app.openvex.json: more than 3 statements',
      }),
    );
  });

  it('accepts a CycloneDX VEX document of exactly maxVexStatements vulnerabilities', () => {
    expect(parseVex(cdxVex(3), 'app.cdx.json', limits)).toHaveLength(3);
  });

  it('refuses a CycloneDX VEX document of maxVexStatements + 1 vulnerabilities naming the file and the limit', () => {
    expect(() => parseVex(cdxVex(4), 'app.cdx.json', limits)).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        message: 'app.cdx.json: more than 3 vulnerabilities',
      }),
    );
  });
});
