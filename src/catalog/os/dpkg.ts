/**
 * The dpkg cataloger: `var/lib/dpkg/status` and distroless `var/lib/dpkg/status.d/<name>`
 * (deb822 stanzas: `Field: value` lines, continuation lines indented, stanzas separated by blank
 * lines). Only packages whose `Status` says `installed` are reported; a malformed stanza is
 * skipped with a warning naming the file and line. Format: deb-control(5), dpkg-query(1).
 */
import type { BufferAnalyzer, FoundPackage } from '../types.js';
import { controlStanzas, maxControlFieldBytes } from './deb822.js';
import type { ParsedPackages } from './parsed.js';

export { parseControlStanzas, type ControlStanza } from './deb822.js';

/** The fields a package is built from: the only ones kept, so memory stays bounded per stanza. */
const readFields: ReadonlySet<string> = new Set([
  'package',
  'version',
  'status',
  'architecture',
  'source',
]);
/** Most warnings kept for one file; the rest are counted in one last warning. */
export const maxDpkgWarnings = 100;

/** Options of {@link parseDpkgStatus}. */
export interface DpkgStatusOptions {
  /** Path named in warnings (from the image root, no leading slash). */
  path?: string;
  /** Treat stanzas without `Status` as installed (distroless `status.d` files omit it). */
  assumeInstalled?: boolean;
}

/** Reads `Source: name (version)` or `Source: name`; the version defaults to the binary's. */
function parseSourceField(value: string, binaryVersion: string): FoundPackage['source'] {
  const match = /^(\S+)(?:\s+\(([^)]+)\))?$/.exec(value.trim());
  if (!match) return undefined;
  return { name: match[1] ?? '', version: match[2]?.trim() || binaryVersion };
}

/**
 * Reads the installed packages of a dpkg status file (or one distroless `status.d` file).
 * @example parseDpkgStatus('Package: a\nStatus: install ok installed\nVersion: 1\n').packages[0].name // 'a'
 */
export function parseDpkgStatus(text: string, options: DpkgStatusOptions = {}): ParsedPackages {
  const file = `/${options.path ?? 'var/lib/dpkg/status'}`;
  const packages: FoundPackage[] = [];
  const warnings: string[] = [];
  // A hostile file can hold millions of bad stanzas: its warnings are capped.
  let unsaid = 0;
  const warn = (message: string) => {
    if (warnings.length < maxDpkgWarnings) warnings.push(message);
    else unsaid++;
  };
  let wellFormed = 0;
  for (const stanza of controlStanzas(text, { only: readFields })) {
    if (stanza.malformedLine !== undefined) {
      warn(`${file}:${stanza.malformedLine}: malformed line, stanza skipped`);
      continue;
    }
    if (stanza.cutFields !== undefined) {
      const names = stanza.cutFields.join(', ');
      warn(`${file}:${stanza.line}: ${names} over ${maxControlFieldBytes} bytes, stanza skipped`);
      continue;
    }
    const f = stanza.fields;
    const name = f.get('package');
    const version = f.get('version');
    const status = f.get('status');
    if (!name) {
      warn(`${file}:${stanza.line}: stanza without Package skipped`);
      continue;
    }
    wellFormed++;
    const installed =
      status === undefined ? options.assumeInstalled : status.split(/\s+/)[2] === 'installed';
    if (!installed) continue;
    if (!version) {
      warn(`${file}:${stanza.line}: package ${name} without Version skipped`);
      continue;
    }
    const pkg: FoundPackage = { name, version, type: 'deb', licenses: [] };
    const arch = f.get('architecture');
    if (arch) pkg.arch = arch;
    pkg.source = parseSourceField(f.get('source') ?? name, version);
    packages.push(pkg);
  }
  if (unsaid > 0) warnings.push(`${file}: ${unsaid} more warnings about this file left out`);
  if (wellFormed === 0) warnings.push(`${file}: no dpkg package stanza found`);
  return { packages, warnings };
}

/** Whether a path is a distroless per-package status file (its md5sums companions excluded). */
function isStatusDFile(path: string): boolean {
  const rest = path.startsWith('var/lib/dpkg/status.d/') ? path.slice(22) : undefined;
  return !!rest && !rest.includes('/') && !rest.endsWith('.md5sums') && !rest.startsWith('.');
}

/** Catalogs Debian packages from the dpkg status database (classic and distroless). */
export const dpkgAnalyzer: BufferAnalyzer = {
  name: 'dpkg',
  version: 1,
  input: 'buffer',
  wants: (file) => file.path === 'var/lib/dpkg/status' || isStatusDFile(file.path),
  analyze(file) {
    const result = parseDpkgStatus(file.content.toString('utf8'), {
      path: file.path,
      assumeInstalled: isStatusDFile(file.path),
    });
    return Promise.resolve(result);
  },
};
