/**
 * Yarn lockfiles (`yarn.lock`, anywhere outside `node_modules`), in both dialects:
 *
 * - classic v1, yarn's own format: unindented headers listing the specs an entry satisfies
 *   (`"@babel/core@^7.0.0", "@babel/core@^7.1.0":`) followed by indented `version "7.1.0"`;
 * - berry (v2+), YAML with a `__metadata` entry and `resolution: "name@npm:1.2.3"` per entry;
 *   `workspace:`, `link:` and `portal:` resolutions are the project's own directories and are
 *   skipped.
 *
 * Yarn lockfiles do not say which packages are dev dependencies.
 */
import { z } from 'zod';

import { npmPackage } from './npm.js';
import {
  baseName,
  decodeText,
  decodeYaml,
  type FileFindings,
  type TextCataloger,
  isInsideInstalledPackage,
} from '../text-input.js';

interface YarnEntry {
  entry: string;
  fullName: string;
  version: string;
}

/** Splits `name@range` at the `@` that is not a scope's leading one. */
function splitSpec(spec: string): { name: string; range: string } | undefined {
  const at = spec.indexOf('@', 1);
  if (at <= 0) return undefined;
  return { name: spec.slice(0, at), range: spec.slice(at + 1) };
}

function unquote(text: string): string {
  const trimmed = text.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
    ? trimmed.slice(1, -1)
    : trimmed;
}

/** The package a classic header describes; an alias `x@npm:real@^1` names the real package. */
function classicHeaderName(header: string): string | undefined {
  const first = unquote(header.slice(0, -1).split(',')[0] ?? '');
  const spec = splitSpec(first);
  if (!spec) return undefined;
  if (spec.range.startsWith('link:')) return undefined;
  if (spec.range.startsWith('npm:')) {
    const aliased = splitSpec(spec.range.slice('npm:'.length));
    return aliased?.name ?? spec.name;
  }
  return spec.name;
}

function readClassic(text: string, findings: FileFindings): YarnEntry[] {
  const entries: YarnEntry[] = [];
  let header: string | undefined;
  let fullName: string | undefined;
  let unrecognised = 0;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      header = line.endsWith(':') ? line : undefined;
      fullName = header === undefined ? undefined : classicHeaderName(header);
      if (header === undefined) unrecognised += 1;
      continue;
    }
    const version = /^ {2}version:? +(.+)$/.exec(line);
    if (!version?.[1] || header === undefined || fullName === undefined) continue;
    entries.push({ entry: header.slice(0, -1), fullName, version: unquote(version[1]) });
    header = undefined;
    if (entries.length > findings.limits.maxPackagesPerFile) break;
  }
  if (unrecognised > 0) findings.warn(`${unrecognised} unrecognised top-level lines skipped`);
  return entries;
}

const BerryEntry = z.looseObject({
  version: z.string().min(1),
  resolution: z.string().min(1),
});

const LOCAL_PROTOCOLS = new Set(['workspace', 'link', 'portal']);

function readBerry(doc: Record<string, unknown>, findings: FileFindings): YarnEntry[] {
  const entries: YarnEntry[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (key === '__metadata') continue;
    if (entries.length > findings.limits.maxPackagesPerFile) break;
    const entry = findings.parseEntry(BerryEntry, key, value);
    if (!entry) continue;
    const spec = splitSpec(entry.resolution);
    if (!spec) {
      findings.skip(key, `malformed resolution ${JSON.stringify(entry.resolution)}`);
      continue;
    }
    const protocol = spec.range.slice(0, Math.max(0, spec.range.indexOf(':')));
    if (LOCAL_PROTOCOLS.has(protocol)) continue;
    entries.push({ entry: key, fullName: spec.name, version: entry.version });
  }
  return entries;
}

function readYarnLock(content: Buffer, findings: FileFindings): void {
  const text = decodeText(content);
  let entries: YarnEntry[];
  if (/^"?__metadata"?:/m.test(text)) {
    const doc = decodeYaml(text);
    if (!doc.ok) return findings.warn(doc.reason);
    const record = z.record(z.string(), z.unknown()).safeParse(doc.value);
    if (!record.success) return findings.warn('not a yarn lockfile (expected a mapping)');
    entries = readBerry(record.data, findings);
  } else {
    entries = readClassic(text, findings);
  }
  const seen = new Set<string>();
  const lockfile = baseName(findings.path);
  for (const { entry, fullName, version } of entries) {
    const id = `${fullName}@${version}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const pkg = npmPackage(findings, entry, { fullName, version, metadata: { lockfile } });
    if (pkg && !findings.add(pkg)) return;
  }
}

/** The cataloger of `yarn.lock`, classic v1 and berry. */
export const yarnLockCataloger: TextCataloger = {
  name: 'yarn-lock',
  lockfile: true,
  version: 2,
  wants: (path) => baseName(path) === 'yarn.lock' && !isInsideInstalledPackage(path),
  read: readYarnLock,
};
