/**
 * OS detection: `os-release` (freedesktop.org) first, then the older distribution files
 * (`alpine-release`, `lsb-release`, `redhat-release` and friends, `debian_version`), each with a
 * priority so the walker keeps the most authoritative answer.
 */
import type { AnalysisResult, BufferAnalyzer, OsInfo } from '../types.js';

/** Priority of each file the analyzer reads; higher wins. */
export const osReleasePriorities: Readonly<Record<string, number>> = Object.freeze({
  'etc/os-release': 100,
  'usr/lib/os-release': 90,
  'etc/alpine-release': 60,
  'etc/lsb-release': 55,
  'etc/centos-release': 50,
  'etc/redhat-release': 45,
  'etc/system-release': 45,
  'etc/debian_version': 40,
});

/**
 * Parses `KEY=value` assignments as os-release(5) defines them: shell-style single and double
 * quotes, backslash escapes, `#` comment lines; malformed lines are ignored.
 * @example parseOsReleaseFields('ID="debian"\n') // { ID: 'debian' }
 */
export function parseOsReleaseFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    const value = unquoteShellValue(match[2] ?? '');
    if (value !== undefined) fields[match[1] ?? ''] = value;
  }
  return fields;
}

/** Undoes shell quoting of one value; undefined when a quote is left open. */
function unquoteShellValue(raw: string): string | undefined {
  let out = '';
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? '';
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else out += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < raw.length && '$"\\`'.includes(raw[i + 1] ?? '')) {
        out += raw[++i];
      } else out += c;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '\\' && i + 1 < raw.length) {
      out += raw[++i];
    } else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1] ?? ''))) {
      break; // an unquoted `#` after whitespace starts a comment
    } else {
      out += c;
    }
  }
  return quote ? undefined : out.trim();
}

/** Builds an OsInfo, leaving out empty optional fields. */
function osInfo(family: string, version: string, codename?: string, name?: string): OsInfo {
  const info: OsInfo = { family: family.toLowerCase(), version };
  if (codename) info.codename = codename;
  if (name) info.name = name;
  return info;
}

/**
 * Reads the OS from an os-release file; undefined when it has no `ID`.
 * @example parseOsRelease('ID=alpine\nVERSION_ID=3.20.1\n') // { family: 'alpine', version: '3.20.1' }
 */
export function parseOsRelease(text: string): OsInfo | undefined {
  const f = parseOsReleaseFields(text);
  if (!f.ID) return undefined;
  const codename = f.VERSION_CODENAME || f.UBUNTU_CODENAME || debianCodenameFromVersion(f);
  return osInfo(f.ID, f.VERSION_ID ?? '', codename, f.PRETTY_NAME || f.NAME);
}

/** Debian before 9 wrote the codename only inside VERSION (`8 (jessie)`). */
function debianCodenameFromVersion(f: Record<string, string>): string | undefined {
  if (f.ID !== 'debian' || !f.VERSION) return undefined;
  return /\(([a-z]+)\)/.exec(f.VERSION)?.[1];
}

/** Reads `/etc/lsb-release` (`DISTRIB_ID`, `DISTRIB_RELEASE`, `DISTRIB_CODENAME`). */
export function parseLsbRelease(text: string): OsInfo | undefined {
  const f = parseOsReleaseFields(text);
  if (!f.DISTRIB_ID) return undefined;
  const family = f.DISTRIB_ID.toLowerCase().replace(/\s+/g, '');
  return osInfo(family, f.DISTRIB_RELEASE ?? '', f.DISTRIB_CODENAME, f.DISTRIB_DESCRIPTION);
}

/** Reads `/etc/alpine-release` (`3.20.1`). */
export function parseAlpineRelease(text: string): OsInfo | undefined {
  const version = text.trim().split(/\s+/)[0] ?? '';
  return /^\d+(\.\d+)*/.test(version) ? osInfo('alpine', version) : undefined;
}

/**
 * Reads `/etc/debian_version`: `12.5` gives version `12` (the release, as os-release's
 * VERSION_ID has it); `bookworm/sid` (testing) gives no version and codename `bookworm`.
 */
export function parseDebianVersion(text: string): OsInfo | undefined {
  const value = text.trim();
  const numeric = /^(\d+)(\.\d+)*$/.exec(value);
  if (numeric) return osInfo('debian', numeric[1] ?? '');
  const testing = /^([a-z]+)\/sid$/.exec(value);
  if (testing) return osInfo('debian', '', testing[1]);
  return undefined;
}

/** Distribution names of `*-release` files, most specific first, and their os-release IDs. */
const redHatFamilies: readonly [RegExp, string][] = [
  [/^red hat enterprise linux/i, 'rhel'],
  [/^centos/i, 'centos'],
  [/^rocky/i, 'rocky'],
  [/^almalinux/i, 'almalinux'],
  [/^fedora/i, 'fedora'],
  [/^amazon linux/i, 'amzn'],
  [/^oracle linux/i, 'ol'],
  [/^(cbl-)?mariner/i, 'mariner'],
  [/^(microsoft )?azure linux/i, 'azurelinux'],
  [/^vmware photon/i, 'photon'],
];

/** Reads `/etc/redhat-release` and its kin (`Rocky Linux release 9.3 (Blue Onyx)`). */
export function parseRedHatRelease(text: string): OsInfo | undefined {
  const line = text.trim().split(/\r?\n/)[0] ?? '';
  const match = /^(.*?)\s+release\s+([0-9][0-9.]*)\s*(?:\(([^)]*)\))?/i.exec(line);
  if (!match) return undefined;
  const family = redHatFamilies.find(([pattern]) => pattern.test(match[1] ?? ''))?.[1];
  if (!family) return undefined;
  return osInfo(family, match[2] ?? '', undefined, line);
}

/** Picks the parser for a path the analyzer wants. */
function parserFor(path: string): (text: string) => OsInfo | undefined {
  switch (path) {
    case 'etc/os-release':
    case 'usr/lib/os-release':
      return parseOsRelease;
    case 'etc/alpine-release':
      return parseAlpineRelease;
    case 'etc/lsb-release':
      return parseLsbRelease;
    case 'etc/debian_version':
      return parseDebianVersion;
    default:
      return parseRedHatRelease;
  }
}

/** Detects the OS from os-release and the older distribution release files. */
export const osReleaseAnalyzer: BufferAnalyzer = {
  name: 'os-release',
  version: 1,
  input: 'buffer',
  maxFileBytes: 64 * 1024,
  // Own keys only: a file named `constructor` at the image root is not a release file.
  wants: (file) => Object.hasOwn(osReleasePriorities, file.path),
  analyze(file): Promise<AnalysisResult> {
    const os = parserFor(file.path)(file.content.toString('utf8'));
    const priority = osReleasePriorities[file.path] ?? 0;
    if (!os) return Promise.resolve({ warnings: [`/${file.path}: no OS identity found`] });
    return Promise.resolve({ os: { ...os, priority } });
  },
};
