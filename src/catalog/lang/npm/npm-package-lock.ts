/**
 * npm lockfiles: `package-lock.json` and `npm-shrinkwrap.json`, anywhere outside `node_modules`.
 *
 * Version 1 nests a `dependencies` tree; versions 2 and 3 keep a flat `packages` map keyed by
 * install path (`node_modules/a/node_modules/b`), which wins when both are present. The root
 * entry (`""`), `link: true` entries and keys outside `node_modules` (workspace sources) are not
 * installed packages and are skipped. The same name@version at several paths is reported once;
 * it is `dev` only when every occurrence is.
 */
import { z } from 'zod';

import type { FoundPackage } from '../../types.js';
import { npmLicenseFields, npmLicenses, npmPackage } from './npm.js';
import {
  baseName,
  decodeJson,
  decodeText,
  type FileFindings,
  type TextCataloger,
  isInsideInstalledPackage,
} from '../text-input.js';

const flag = z.boolean().optional().catch(undefined);

const Lockfile = z.looseObject({
  lockfileVersion: z.number().optional().catch(undefined),
  packages: z.record(z.string(), z.unknown()).optional(),
  dependencies: z.record(z.string(), z.unknown()).optional(),
});

const V1Dependency = z.looseObject({
  version: z.string().min(1),
  dev: flag,
  optional: flag,
  dependencies: z.record(z.string(), z.unknown()).optional(),
});

const V2Package = z.looseObject({
  name: z.string().min(1).optional(),
  version: z.string().min(1).optional(),
  link: flag,
  dev: flag,
  optional: flag,
  ...npmLicenseFields,
});

interface LockedPackage {
  fullName: string;
  version: string;
  dev: boolean;
  optional: boolean;
  licenses: string[];
}

const NODE_MODULES = 'node_modules/';

function readPackagesMap(
  packages: Record<string, unknown>,
  findings: FileFindings,
): LockedPackage[] {
  const found: LockedPackage[] = [];
  for (const [key, value] of Object.entries(packages)) {
    if (found.length > findings.limits.maxPackagesPerFile) break;
    if (!key.startsWith(NODE_MODULES) && !key.includes(`/${NODE_MODULES}`)) continue;
    const entry = findings.parseEntry(V2Package, key, value);
    if (!entry || entry.link === true) continue;
    if (entry.version === undefined) {
      findings.skip(key, 'no version');
      continue;
    }
    const fullName = entry.name ?? key.slice(key.lastIndexOf(NODE_MODULES) + NODE_MODULES.length);
    found.push({
      fullName,
      version: entry.version,
      dev: entry.dev === true,
      optional: entry.optional === true,
      licenses: npmLicenses(entry),
    });
  }
  return found;
}

/** `npm:real-name@1.2.3` (an alias) → the real name and version. */
function unalias(key: string, version: string): { fullName: string; version: string } {
  if (!version.startsWith('npm:')) return { fullName: key, version };
  const spec = version.slice('npm:'.length);
  const at = spec.lastIndexOf('@');
  return at > 0
    ? { fullName: spec.slice(0, at), version: spec.slice(at + 1) }
    : { fullName: key, version };
}

function readDependencyTree(
  root: Record<string, unknown>,
  findings: FileFindings,
): LockedPackage[] {
  const found: LockedPackage[] = [];
  const pending = [{ deps: root, depth: 1, trail: '' }];
  let tooDeep = false;
  for (let level = pending.pop(); level; level = pending.pop()) {
    for (const [key, value] of Object.entries(level.deps)) {
      if (found.length > findings.limits.maxPackagesPerFile) return found;
      const label = level.trail + key;
      const entry = findings.parseEntry(V1Dependency, label, value);
      if (!entry) continue;
      // `file:` and `link:` versions are local directories, not installed registry packages.
      if (!/^(?:file|link):/.test(entry.version)) {
        found.push({
          ...unalias(key, entry.version),
          dev: entry.dev === true,
          optional: entry.optional === true,
          licenses: [],
        });
      }
      if (!entry.dependencies) continue;
      if (level.depth >= findings.limits.maxNestingDepth) {
        if (!tooDeep)
          findings.warn(`dependencies nested deeper than ${level.depth}; deeper ones skipped`);
        tooDeep = true;
        continue;
      }
      pending.push({ deps: entry.dependencies, depth: level.depth + 1, trail: `${label} > ` });
    }
  }
  return found;
}

/** Merges repeats of name@version: dev/optional only when every occurrence is. */
function mergeRepeats(locked: LockedPackage[]): LockedPackage[] {
  const byId = new Map<string, LockedPackage>();
  for (const pkg of locked) {
    const id = `${pkg.fullName}@${pkg.version}`;
    const seen = byId.get(id);
    if (!seen) byId.set(id, { ...pkg });
    else {
      seen.dev &&= pkg.dev;
      seen.optional &&= pkg.optional;
      if (seen.licenses.length === 0) seen.licenses = pkg.licenses;
    }
  }
  return [...byId.values()];
}

function readPackageLock(content: Buffer, findings: FileFindings): void {
  const doc = decodeJson(decodeText(content));
  if (!doc.ok) return findings.warn(doc.reason);
  const parsed = Lockfile.safeParse(doc.value);
  if (!parsed.success) return findings.warn('not an npm lockfile (expected an object)');
  const lock = parsed.data;
  const locked = lock.packages
    ? readPackagesMap(lock.packages, findings)
    : readDependencyTree(lock.dependencies ?? {}, findings);
  const lockfile = baseName(findings.path);
  for (const entry of mergeRepeats(locked)) {
    const metadata: FoundPackage['metadata'] = { lockfile };
    if (entry.dev) metadata.dev = true;
    if (entry.optional) metadata.optional = true;
    const pkg = npmPackage(findings, entry.fullName, { ...entry, metadata });
    if (pkg && !findings.add(pkg)) return;
  }
}

/** The cataloger of `package-lock.json` and `npm-shrinkwrap.json` (lockfile versions 1–3). */
export const npmPackageLockCataloger: TextCataloger = {
  name: 'npm-package-lock',
  lockfile: true,
  version: 2,
  wants: (path) => {
    const base = baseName(path);
    return (
      (base === 'package-lock.json' || base === 'npm-shrinkwrap.json') &&
      !isInsideInstalledPackage(path)
    );
  },
  read: readPackageLock,
};
