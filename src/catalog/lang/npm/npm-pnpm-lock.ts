/**
 * pnpm lockfiles (`pnpm-lock.yaml`, anywhere outside `node_modules`). The `packages` map is keyed
 * differently per lockfile version:
 *
 * - 5.x: `/name/1.2.3` or `/@scope/name/1.2.3`, peers appended as `_peer@1.0.0+other@2.0.0`;
 * - 6.x: `/name@1.2.3`, peers appended as `(peer@1.0.0)`;
 * - 9.x: `name@1.2.3` without the leading slash (peers live only in `snapshots`).
 *
 * An entry's own `name`/`version` fields (tarball and git dependencies) win over the key.
 * 5.x and 6.x entries carry `dev: true|false`; 9.x does not record it per package.
 */
import { z } from 'zod';

import type { FoundPackage } from '../../types.js';
import { npmPackage } from './npm.js';
import {
  baseName,
  decodeText,
  decodeYaml,
  type FileFindings,
  type TextCataloger,
  isInsideInstalledPackage,
} from '../text-input.js';

const Lockfile = z.looseObject({
  lockfileVersion: z.string().optional().catch(undefined),
  packages: z.record(z.string(), z.unknown()).optional().catch(undefined),
});

// Failsafe YAML: every scalar is a string, booleans included.
const PnpmPackage = z.looseObject({
  name: z.string().min(1).optional(),
  version: z.string().min(1).optional(),
  dev: z.string().optional().catch(undefined),
});

/** Name and version from a `packages` key, peer suffixes removed; undefined when not one. */
export function parsePnpmKey(
  key: string,
  lockfileVersion: number,
): { name: string; version: string } | undefined {
  const path = key.startsWith('/') ? key.slice(1) : key;
  if (lockfileVersion < 6) {
    const slash = path.lastIndexOf('/');
    if (slash <= 0) return undefined;
    const version = path.slice(slash + 1).split('_', 1)[0] ?? '';
    return { name: path.slice(0, slash), version };
  }
  const paren = path.indexOf('(');
  const plain = paren === -1 ? path : path.slice(0, paren);
  const at = plain.indexOf('@', 1);
  if (at <= 0) return undefined;
  return { name: plain.slice(0, at), version: plain.slice(at + 1) };
}

const VERSION_LIKE = /^\d[^\s/:]*$/;

function readPackages(
  packages: Record<string, unknown>,
  lockfileVersion: number,
  findings: FileFindings,
): void {
  const lockfile = baseName(findings.path);
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(packages)) {
    const entry = findings.parseEntry(PnpmPackage, key, value ?? {});
    if (!entry) continue;
    const fromKey = parsePnpmKey(key, lockfileVersion);
    const fullName = entry.name ?? fromKey?.name;
    const version = entry.version ?? fromKey?.version;
    if (!fullName || !version || (!entry.version && !VERSION_LIKE.test(version))) {
      findings.skip(key, 'no name and version');
      continue;
    }
    const id = `${fullName}@${version}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const metadata: FoundPackage['metadata'] = { lockfile };
    if (entry.dev === 'true') metadata.dev = true;
    const pkg = npmPackage(findings, key, { fullName, version, metadata });
    if (pkg && !findings.add(pkg)) return;
  }
}

function readPnpmLock(content: Buffer, findings: FileFindings): void {
  const decoded = decodeYaml(decodeText(content), true);
  if (!decoded.ok) return findings.warn(decoded.reason);
  // pnpm 9+ may prepend a document of config dependencies; the lockfile proper has `packages`.
  const docs = (decoded.value as unknown[]).map((doc) => Lockfile.safeParse(doc));
  const lock = docs.findLast((doc) => doc.success && doc.data.packages !== undefined);
  if (!lock?.success) {
    if (!docs.some((doc) => doc.success && doc.data.lockfileVersion !== undefined)) {
      findings.warn('not a pnpm lockfile (no lockfileVersion)');
    }
    return;
  }
  const version = Number.parseFloat(lock.data.lockfileVersion ?? '');
  if (Number.isNaN(version)) return findings.warn('not a pnpm lockfile (no lockfileVersion)');
  readPackages(lock.data.packages ?? {}, version, findings);
}

/** The cataloger of `pnpm-lock.yaml` (lockfile versions 5.x, 6.x and 9.x). */
export const pnpmLockCataloger: TextCataloger = {
  name: 'pnpm-lock',
  lockfile: true,
  version: 2,
  wants: (path) => baseName(path) === 'pnpm-lock.yaml' && !isInsideInstalledPackage(path),
  read: readPnpmLock,
};
