import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, test, vi } from 'vitest';

import { LimitExceededError } from '../errors.js';
import { finding } from './__fixtures__/finding.js';
import { applyIgnoreFile } from './ignore-file.js';
import { loadIgnoreFile, parseIgnoreFile } from './ignore-file-parse.js';
import { defaultFilterLimits } from './limits.js';
import { FilterDocumentError } from './read-document.js';

const today = new Date('2026-03-10T12:00:00Z');
const keptIds = (text: string, findings = [finding()]) =>
  applyIgnoreFile(findings, parseIgnoreFile(text, '.moatignore'), today).kept.map((f) => f.id);

describe('ignore file entries', () => {
  test('an entry by id leaves the finding out and records file, line and statement', () => {
    const text = 'vulnerabilities:\n  - id: GHSA-35jh-r3h4-6jhm\n    statement: not reachable\n';
    const outcome = applyIgnoreFile([finding()], parseIgnoreFile(text, '.moatignore'), today);
    expect(outcome.kept).toEqual([]);
    expect(outcome.ignored[0]?.reason).toEqual({
      kind: 'ignorefile',
      file: '.moatignore',
      line: 2,
      statement: 'not reachable',
    });
  });

  test('an entry by alias matches the finding known by that CVE', () => {
    expect(keptIds('vulnerabilities:\n  - id: CVE-2021-23337\n')).toEqual([]);
  });

  test('an entry by purl without version matches every version of the package', () => {
    expect(keptIds('vulnerabilities:\n  - purl: pkg:npm/lodash\n')).toEqual([]);
  });

  test('an entry by exact purl does not match another version', () => {
    expect(keptIds('vulnerabilities:\n  - purl: pkg:npm/lodash@4.17.19\n')).toEqual([
      'GHSA-35jh-r3h4-6jhm',
    ]);
  });

  test('an entry by path prefix matches packages below it but not a sibling with a longer name', () => {
    const sibling = finding({ id: 'CVE-9', path: '/app/node_modules/lodash-es/package.json' });
    expect(keptIds('- path: app/node_modules/lodash\n', [finding(), sibling])).toEqual(['CVE-9']);
  });

  test('a path with ** matches across directories', () => {
    expect(keptIds('- path: "**/lodash/package.json"\n')).toEqual([]);
  });

  test('id and purl together must both agree', () => {
    expect(keptIds('- id: CVE-2021-23337\n  purl: pkg:npm/underscore\n')).toEqual([
      'GHSA-35jh-r3h4-6jhm',
    ]);
  });

  test('a bare YAML list of ids is accepted', () => {
    expect(keptIds('- CVE-2021-23337\n')).toEqual([]);
  });

  test('ids one per line with comments, as in .trivyignore, are accepted', () => {
    expect(keptIds('# accepted risk\nCVE-2000-1\nGHSA-35jh-r3h4-6jhm\n')).toEqual([]);
  });

  test('an empty file ignores nothing', () => {
    expect(keptIds('')).toEqual(['GHSA-35jh-r3h4-6jhm']);
  });
});

describe('expiry', () => {
  test('an entry whose expires day has passed no longer applies and is reported', () => {
    const text = 'vulnerabilities:\n  - id: CVE-2021-23337\n    expires: 2026-03-09\n';
    const outcome = applyIgnoreFile([finding()], parseIgnoreFile(text, '.moatignore'), today);
    expect(outcome.kept).toHaveLength(1);
    expect(outcome.expired.map((e) => [e.id, e.line])).toEqual([['CVE-2021-23337', 2]]);
  });

  test('an entry applies through the whole of its expires day', () => {
    const text = 'vulnerabilities:\n  - id: CVE-2021-23337\n    expires: 2026-03-10\n';
    const outcome = applyIgnoreFile([finding()], parseIgnoreFile(text, '.moatignore'), today);
    expect(outcome.kept).toEqual([]);
    expect(outcome.expired).toEqual([]);
  });
});

describe('bad ignore files', () => {
  test('bad YAML is refused naming the file and line', () => {
    const text = 'vulnerabilities:\n  - id: CVE-1\n  - id: a: b\n  - id: CVE-3\n';
    expect(() => parseIgnoreFile(text, 'ci/.moatignore')).toThrow(
      /^ci\/\.moatignore:3: not valid YAML/,
    );
  });

  test('an unknown key is refused naming the line of its entry', () => {
    const text = 'vulnerabilities:\n  - id: CVE-1\n  - id: CVE-2\n    expiry: 2026-01-01\n';
    expect(() => parseIgnoreFile(text, '.moatignore')).toThrow(/^\.moatignore:3: /);
  });

  test('an expires value that is not YYYY-MM-DD is refused', () => {
    const text = '- id: CVE-1\n  expires: 10/03/2026\n';
    expect(() => parseIgnoreFile(text, '.moatignore')).toThrow(/YYYY-MM-DD/);
  });

  test('an entry with neither id, purl nor path is refused', () => {
    expect(() => parseIgnoreFile('- statement: why\n', '.moatignore')).toThrow(FilterDocumentError);
  });

  test('an invalid purl is refused naming it', () => {
    expect(() => parseIgnoreFile('- purl: "npm/lodash"\n', '.moatignore')).toThrow(/npm\/lodash/);
  });

  test('more entries than the limit are refused', () => {
    const limits = { ...defaultFilterLimits, maxIgnoreEntries: 1 };
    expect(() => parseIgnoreFile('- CVE-1\n- CVE-2\n', '.moatignore', limits)).toThrow(
      /more than 1/,
    );
  });

  test('a file over the size limit is refused before it is read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moat-ignore-'));
    try {
      const path = join(dir, '.moatignore');
      await writeFile(path, '- CVE-1\n'.repeat(100));
      const limits = { ...defaultFilterLimits, maxIgnoreFileBytes: 10 };
      await expect(loadIgnoreFile(path, limits)).rejects.toBeInstanceOf(LimitExceededError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a missing file is an input error naming it', async () => {
    await expect(loadIgnoreFile('/nonexistent/.moatignore')).rejects.toThrow(
      /\/nonexistent\/\.moatignore: cannot read/,
    );
  });
});

describe('ignore files the yaml package would complain about', () => {
  test('a collection used as a key is refused without a raw warning on stderr', () => {
    // The yaml package warns through process.emitWarning, which Node prints as "(node:…) Warning".
    const emitWarning = vi.spyOn(process, 'emitWarning');
    try {
      expect(() => parseIgnoreFile('? [a, b]\n: 1\n', '.moatignore')).toThrow(FilterDocumentError);
      expect(emitWarning).not.toHaveBeenCalled();
    } finally {
      emitWarning.mockRestore();
    }
  });

  test('an alias bomb is refused naming the file', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [i, name] of [...'bcdefgh'].entries()) {
      levels.push(`${name}: &${name} [${Array(10).fill(`*${'abcdefg'[i]}`).join(', ')}]`);
    }
    expect(() => parseIgnoreFile(`${levels.join('\n')}\n`, '.moatignore')).toThrow(
      /^\.moatignore: YAML aliases expand past the limit of 100; refusing the file$/,
    );
  });

  test.each(['2024-02-30', '2023-02-29', '2024-04-31', '2024-13-01'])(
    'expires: %s is refused naming the date, file and line',
    (day) => {
      const text = `vulnerabilities:\n  - id: CVE-1\n    expires: ${day}\n`;
      expect(() => parseIgnoreFile(text, '.moatignore')).toThrow(
        `.moatignore:3: expires "${day}" is not a real calendar date written YYYY-MM-DD`,
      );
    },
  );

  test('expires: 2024-02-29, a leap day, is accepted', () => {
    const text = 'vulnerabilities:\n  - id: CVE-1\n    expires: 2024-02-29\n';
    expect(parseIgnoreFile(text, '.moatignore').entries[0]?.expires).toBe('2024-02-29');
  });
});

describe('ignore entry path patterns', () => {
  test('a path pattern longer than the limit is refused naming the file and line', () => {
    const pattern = 'a*'.repeat(600);
    const text = `vulnerabilities:\n  - id: CVE-1\n  - path: "${pattern}"\n`;
    expect(() => parseIgnoreFile(text, '.moatignore')).toThrow(
      '.moatignore:3: path pattern longer than 1024 characters',
    );
  });
});
