/**
 * The Alpine cataloger: `lib/apk/db/installed`, one block of `X:value` lines per package, blocks
 * separated by a blank line (P name, V version, A arch, o origin, L licence). Format: the
 * apk-tools "Installed database" documentation (apk-installed(5)).
 */
import type { BufferAnalyzer, FoundPackage } from '../types.js';
import type { ParsedPackages } from './parsed.js';

/** SPDX expression operators that join licences rather than name one. */
const operators = new Set(['AND', 'OR', 'and', 'or']);

/**
 * Splits an Alpine `L:` value into licence names as written: `MIT AND BSD-2-Clause` and the
 * older `MIT BSD-2-Clause` both give two; `X WITH Y` stays one.
 * @example splitApkLicense('MPL-2.0 AND MIT') // ['MPL-2.0', 'MIT']
 */
export function splitApkLicense(value: string): string[] {
  const tokens = value.replace(/[()]/g, ' ').split(/\s+/).filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (operators.has(token)) continue;
    if ((tokens[i + 1] === 'WITH' || tokens[i + 1] === 'with') && tokens[i + 2]) {
      out.push(`${token} WITH ${tokens[i + 2]}`);
      i += 2;
    } else out.push(token);
  }
  return out;
}

/** Turns one block's fields into a package; a reason string when P or V is missing. */
function packageOf(fields: Map<string, string>): FoundPackage | string {
  const name = fields.get('P');
  const version = fields.get('V');
  if (!name || !version) return 'block without P: or V: skipped';
  const pkg: FoundPackage = {
    name,
    version,
    type: 'apk',
    licenses: splitApkLicense(fields.get('L') ?? ''),
  };
  const arch = fields.get('A');
  if (arch) pkg.arch = arch;
  pkg.source = { name: fields.get('o') || name, version };
  return pkg;
}

/**
 * Reads the installed packages of an apk database; a block without name or version is skipped
 * with a warning naming file and line.
 * @example parseApkInstalled('P:musl\nV:1.2.4-r2\n').packages[0].version // '1.2.4-r2'
 */
export function parseApkInstalled(text: string, path = 'lib/apk/db/installed'): ParsedPackages {
  const packages: FoundPackage[] = [];
  const warnings: string[] = [];
  let fields = new Map<string, string>();
  let blockLine = 1;
  const flush = () => {
    if (fields.size > 0) {
      const result = packageOf(fields);
      if (typeof result === 'string') warnings.push(`/${path}:${blockLine}: ${result}`);
      else packages.push(result);
    }
    fields = new Map();
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (fields.size === 0) blockLine = i + 1;
    // Files (F:, R:) repeat; only the first value of the package fields matters.
    if (line[1] === ':' && !fields.has(line[0] ?? '')) fields.set(line[0] ?? '', line.slice(2));
  }
  flush();
  if (packages.length === 0) warnings.push(`/${path}: no apk package found`);
  return { packages, warnings };
}

/** Catalogs Alpine (and Wolfi/Chainguard) packages from the apk database. */
export const apkAnalyzer: BufferAnalyzer = {
  name: 'apk',
  version: 1,
  input: 'buffer',
  wants: (file) => file.path === 'lib/apk/db/installed',
  analyze(file) {
    return Promise.resolve(parseApkInstalled(file.content.toString('utf8'), file.path));
  },
};
