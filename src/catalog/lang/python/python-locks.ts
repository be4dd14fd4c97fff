/**
 * Python lockfiles and pins: `poetry.lock` (TOML `[[package]]`), `Pipfile.lock` (JSON sections
 * `default` and `develop` with `==x` versions) and `requirements*.txt`, where only exactly
 * pinned `name==version` lines count — ranges say nothing about what is installed.
 */
import { z } from 'zod';

import type { FoundPackage } from '../../types.js';
import { pypiPackage } from './python.js';
import {
  baseName,
  decodeJson,
  decodeText,
  decodeToml,
  type FileFindings,
  type TextCataloger,
  isInsideInstalledPackage,
} from '../text-input.js';

const PoetryLock = z.looseObject({ package: z.array(z.unknown()).optional() });

const PoetryPackage = z.looseObject({
  name: z.string().min(1),
  version: z.string().min(1),
  category: z.string().optional().catch(undefined),
  groups: z.array(z.string()).optional().catch(undefined),
});

function readPoetryLock(content: Buffer, findings: FileFindings): void {
  const doc = decodeToml(decodeText(content), findings.limits);
  if (!doc.ok) return findings.warn(doc.reason);
  const lock = PoetryLock.safeParse(doc.value);
  if (!lock.success)
    return findings.warn('not a poetry lockfile (package is not an array of tables)');
  for (const [index, value] of (lock.data.package ?? []).entries()) {
    const entry = findings.parseEntry(PoetryPackage, `package[${index}]`, value);
    if (!entry) continue;
    // Poetry < 1.5 writes `category = "dev"`; later versions list the groups instead.
    const dev =
      entry.category === 'dev' || (entry.groups !== undefined && !entry.groups.includes('main'));
    const metadata: FoundPackage['metadata'] = { lockfile: 'poetry.lock' };
    if (dev) metadata.dev = true;
    if (!findings.add(pypiPackage(entry.name, entry.version, { metadata }))) return;
  }
}

const PipfileEntry = z.looseObject({ version: z.string().optional() });
const PipfileLock = z.looseObject({
  default: z.record(z.string(), z.unknown()).optional(),
  develop: z.record(z.string(), z.unknown()).optional(),
});

function readPipfileLock(content: Buffer, findings: FileFindings): void {
  const doc = decodeJson(decodeText(content));
  if (!doc.ok) return findings.warn(doc.reason);
  const lock = PipfileLock.safeParse(doc.value);
  if (!lock.success) return findings.warn('not a Pipfile.lock (default/develop are not objects)');
  const seen = new Set<string>();
  for (const section of ['default', 'develop'] as const) {
    for (const [name, value] of Object.entries(lock.data[section] ?? {})) {
      const entry = findings.parseEntry(PipfileEntry, `${section}.${name}`, value);
      // Editable and VCS entries have no pinned version; they cannot be identified.
      if (!entry?.version?.startsWith('==')) continue;
      const version = entry.version.slice(2).trim();
      if (seen.has(name.toLowerCase()) || version === '') continue;
      seen.add(name.toLowerCase());
      const metadata: FoundPackage['metadata'] = { lockfile: 'Pipfile.lock' };
      if (section === 'develop') metadata.dev = true;
      if (!findings.add(pypiPackage(name, version, { metadata }))) return;
    }
  }
}

// name, optional [extras], == or ===, a version without wildcards or further specifiers.
const PINNED =
  /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*===?\s*([A-Za-z0-9][A-Za-z0-9.+!_-]*)$/;

/** The `name==version` pins of a requirements file, in order, first pin of a name winning. */
export function pinnedRequirements(text: string): { name: string; version: string }[] {
  const pins: { name: string; version: string }[] = [];
  const seen = new Set<string>();
  for (const logical of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    // A comment starts at `#` at the line start or after whitespace (PEP 508 URLs may hold `#`).
    const uncommented = logical.replace(/(?:^|\s)#.*$/, '');
    const requirement =
      uncommented
        .split(';', 1)[0]
        ?.split(/\s--?\w/, 1)[0]
        ?.trim() ?? '';
    if (requirement === '' || requirement.startsWith('-')) continue;
    const match = PINNED.exec(requirement);
    if (!match?.[1] || !match[2]) continue;
    const key = match[1].toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    pins.push({ name: match[1], version: match[2] });
  }
  return pins;
}

function readRequirements(content: Buffer, findings: FileFindings): void {
  const file = baseName(findings.path);
  for (const pin of pinnedRequirements(decodeText(content))) {
    if (!findings.add(pypiPackage(pin.name, pin.version, { metadata: { lockfile: file } }))) return;
  }
}

/** The cataloger of `poetry.lock`. */
export const poetryLockCataloger: TextCataloger = {
  name: 'poetry-lock',
  lockfile: true,
  version: 3,
  wants: (path) => baseName(path) === 'poetry.lock' && !isInsideInstalledPackage(path),
  read: readPoetryLock,
};

/** The cataloger of `Pipfile.lock`. */
export const pipfileLockCataloger: TextCataloger = {
  name: 'pipfile-lock',
  lockfile: true,
  version: 3,
  wants: (path) => baseName(path) === 'Pipfile.lock' && !isInsideInstalledPackage(path),
  read: readPipfileLock,
};

/** The cataloger of exact pins in `requirements*.txt`. */
export const requirementsCataloger: TextCataloger = {
  name: 'pip-requirements',
  lockfile: true,
  version: 3,
  wants: (path) =>
    /^requirements[^/]*\.txt$/.test(baseName(path)) && !isInsideInstalledPackage(path),
  read: readRequirements,
};
