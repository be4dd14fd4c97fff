/**
 * Rust: crates locked in `Cargo.lock`, versions 1 to 4 (all TOML `[[package]]` tables with
 * name, version and source; version 1 may also hold the root crate in a `[root]` table).
 *
 * Every package is kept. Crates with a `source` came from a registry or git; those without one
 * are path dependencies or workspace members (the project's own crates), reported with
 * metadata `local: true` so that consumers can tell them apart (Trivy drops them; we keep them
 * because a vendored path crate is still code in the image). A non-crates.io source is kept in
 * metadata `source`.
 */
import { z } from 'zod';

import type { FoundPackage } from '../../types.js';
import {
  decodeText,
  decodeToml,
  type FileFindings,
  type TextCataloger,
  isInsideInstalledPackage,
} from '../text-input.js';

const CRATES_IO = 'registry+https://github.com/rust-lang/crates.io-index';

const CargoLock = z.looseObject({
  package: z.array(z.unknown()).optional(),
  root: z.unknown().optional(),
});

const Crate = z.looseObject({
  name: z.string().min(1),
  version: z.string().min(1),
  source: z.string().optional(),
});

function addCrate(crate: z.output<typeof Crate>, findings: FileFindings): boolean {
  const metadata: NonNullable<FoundPackage['metadata']> = { lockfile: 'Cargo.lock' };
  if (crate.source === undefined) metadata.local = true;
  else if (crate.source !== CRATES_IO && crate.source !== 'sparse+https://index.crates.io/') {
    metadata.source = crate.source;
  }
  return findings.add({
    type: 'cargo',
    name: crate.name,
    version: crate.version,
    licenses: [],
    metadata,
  });
}

function readCargoLock(content: Buffer, findings: FileFindings): void {
  const doc = decodeToml(decodeText(content), findings.limits);
  if (!doc.ok) return findings.warn(doc.reason);
  const lock = CargoLock.safeParse(doc.value);
  if (!lock.success) return findings.warn('not a Cargo.lock (package is not an array of tables)');
  if (lock.data.root !== undefined) {
    const root = findings.parseEntry(Crate, 'root', lock.data.root);
    if (root && !addCrate(root, findings)) return;
  }
  for (const [index, value] of (lock.data.package ?? []).entries()) {
    const crate = findings.parseEntry(Crate, `package[${index}]`, value);
    if (crate && !addCrate(crate, findings)) return;
  }
}

/** The cataloger of `Cargo.lock`. */
export const cargoLockCataloger: TextCataloger = {
  name: 'cargo-lock',
  lockfile: true,
  version: 2,
  wants: (path) =>
    (path === 'Cargo.lock' || path.endsWith('/Cargo.lock')) && !isInsideInstalledPackage(path),
  read: readCargoLock,
};
