/**
 * PHP: Composer packages installed under `vendor/composer/installed.json` (Composer 1 writes a
 * bare array, Composer 2 `{ packages: [...], "dev-package-names": [...] }`) and locked in
 * `composer.lock` (`packages`, and `packages-dev` marked dev).
 *
 * `vendor/name` becomes namespace `vendor`, name `name`. Versions: Composer accepts tags with or
 * without a leading `v` and Packagist, OSV and GitHub advisories use the bare form, so a `v`
 * directly before a digit (`v5.4.0`) is dropped from `version` (and hence the purl); the version
 * as written is kept in metadata `versionAsWritten`. Branch versions (`dev-main`) stay as written.
 */
import { z } from 'zod';

import type { FoundPackage } from '../../types.js';
import {
  baseName,
  decodeJson,
  decodeText,
  type FileFindings,
  type TextCataloger,
  isInsideInstalledPackage,
} from '../text-input.js';

const ComposerPackage = z.looseObject({
  name: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected vendor/name'),
  version: z.string().min(1),
  license: z
    .union([z.array(z.string()), z.string()])
    .optional()
    .catch(undefined),
});

/** The version used for identity: a leading `v` before a digit is dropped. */
export function composerVersion(written: string): string {
  return /^v\d/i.test(written) ? written.slice(1) : written;
}

function addPackages(
  entries: unknown[],
  label: string,
  dev: (name: string) => boolean,
  findings: FileFindings,
): boolean {
  const lockfile = baseName(findings.path);
  for (const [index, value] of entries.entries()) {
    const entry = findings.parseEntry(ComposerPackage, `${label}[${index}]`, value);
    if (!entry) continue;
    const [vendor = '', name = ''] = entry.name.split('/');
    const version = composerVersion(entry.version);
    const metadata: NonNullable<FoundPackage['metadata']> = {};
    if (lockfile === 'composer.lock') metadata.lockfile = lockfile;
    if (version !== entry.version) metadata.versionAsWritten = entry.version;
    if (dev(entry.name)) metadata.dev = true;
    const pkg: FoundPackage = {
      type: 'composer',
      namespace: vendor,
      name,
      version,
      licenses: [entry.license ?? []].flat(),
    };
    if (Object.keys(metadata).length > 0) pkg.metadata = metadata;
    if (!findings.add(pkg)) return false;
  }
  return true;
}

const Installed = z.union([
  z.array(z.unknown()),
  z.looseObject({
    packages: z.array(z.unknown()),
    'dev-package-names': z.array(z.string()).optional().catch(undefined),
  }),
]);

function readInstalled(content: Buffer, findings: FileFindings): void {
  const doc = decodeJson(decodeText(content));
  if (!doc.ok) return findings.warn(doc.reason);
  const parsed = Installed.safeParse(doc.value);
  if (!parsed.success) return findings.warn('not a Composer installed.json (no packages array)');
  if (Array.isArray(parsed.data)) {
    addPackages(parsed.data, 'packages', () => false, findings);
    return;
  }
  const devNames = new Set(parsed.data['dev-package-names'] ?? []);
  addPackages(parsed.data.packages, 'packages', (name) => devNames.has(name), findings);
}

const ComposerLock = z.looseObject({
  packages: z.array(z.unknown()).optional(),
  'packages-dev': z.array(z.unknown()).nullish(),
});

function readComposerLock(content: Buffer, findings: FileFindings): void {
  const doc = decodeJson(decodeText(content));
  if (!doc.ok) return findings.warn(doc.reason);
  const parsed = ComposerLock.safeParse(doc.value);
  if (!parsed.success) return findings.warn('not a composer.lock (packages are not arrays)');
  if (!addPackages(parsed.data.packages ?? [], 'packages', () => false, findings)) return;
  addPackages(parsed.data['packages-dev'] ?? [], 'packages-dev', () => true, findings);
}

/** The cataloger of `vendor/composer/installed.json` (Composer 1 and 2). */
export const composerInstalledCataloger: TextCataloger = {
  name: 'composer-installed',
  version: 1,
  wants: (path) => /(?:^|\/)vendor\/composer\/installed\.json$/.test(path),
  read: readInstalled,
};

/** The cataloger of `composer.lock`, anywhere outside `vendor/`. */
export const composerLockCataloger: TextCataloger = {
  name: 'composer-lock',
  lockfile: true,
  version: 2,
  wants: (path) => baseName(path) === 'composer.lock' && !isInsideInstalledPackage(path),
  read: readComposerLock,
};
