/**
 * The end-of-life table (src/match/eol.ts) against Debian's distro-info-data, the release data
 * Debian and Ubuntu tools use: every Debian and Ubuntu release it lists that was released and
 * still had security support in 2019 or later must be in the table with the same end of free
 * security support (Debian: end of LTS, else end of regular support; Ubuntu: end of standard
 * support for servers, else end of support). `.ci/run` installs the package.
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { endOfLife } from '../../src/match/eol.js';
import { requireTools } from './require-tools.js';

const dir = '/usr/share/distro-info';
requireTools([], [`${dir}/debian.csv`, `${dir}/ubuntu.csv`]);

interface Release {
  version: string;
  released: string;
  date: string;
}

/** The releases of one CSV with the end-of-support column chosen by `pick` (first non-empty). */
function releases(file: string, pick: readonly string[]): Release[] {
  const [header = '', ...rows] = readFileSync(`${dir}/${file}`, 'utf8').trim().split('\n');
  const columns = header.split(',');
  const at = (row: string[], name: string) => row[columns.indexOf(name)] ?? '';
  return rows
    .map((line) => line.split(','))
    .map((row) => ({
      version: at(row, 'version').replace(/ LTS$/, ''),
      released: at(row, 'release'),
      date: pick.map((name) => at(row, name)).find((value) => value !== '') ?? '',
    }))
    .filter((r) => r.version !== '' && r.released !== '' && r.date >= '2019-01-01');
}

const today = new Date().toISOString().slice(0, 10);

describe('end-of-life table against distro-info-data', () => {
  it.each([
    ['debian', 'debian.csv', ['eol-lts', 'eol']],
    ['ubuntu', 'ubuntu.csv', ['eol-server', 'eol']],
  ] as const)('has every %s release with its date', (family, file, pick) => {
    const listed = releases(file, pick).filter((r) => r.released <= today);
    expect(listed.length).toBeGreaterThan(5);
    const ours = listed.map((r) => ({
      version: r.version,
      date: endOfLife({ family, version: r.version }, new Date())?.date,
    }));
    expect(ours).toEqual(listed.map((r) => ({ version: r.version, date: r.date })));
  });
});
