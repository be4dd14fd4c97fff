/**
 * The scan stages `moat scan` runs (`src/scan.ts`), applied to a stored image: catalog the
 * {@link Image}, match the inventory against the vulnerability database, filter. Matching and
 * filtering are one step of their own because rescans run them again on a stored inventory
 * without reading the image. Also the stored form of the results (gzip JSON) and the database
 * version they were matched against.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';

import { catalogImage } from '../catalog/inventory.js';
import type { Inventory } from '../catalog/types.js';
import { applyFilters } from '../filter/apply.js';
import type { IgnoredFinding } from '../filter/index.js';
import type { Image } from '../image/types.js';
import { matchInventory, type EolStatus, type Finding, type Severity } from '../match/index.js';
import { countBySeverity } from '../report/vulnerabilities-order.js';
import { openVulnDb } from '../vulndb/database.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Findings of one inventory as matched and filtered. */
export interface MatchedFindings {
  findings: Finding[];
  ignored: IgnoredFinding[];
  warnings: string[];
  eol?: EolStatus;
}

/** The database a match ran against, named by what changes when it does. */
export interface VulnDbVersion {
  /** `<updated at>#<12 hex of the status hash>`. */
  version: string;
  updatedAt: string;
}

/** The version of the database at `dbPath` (its update time and a hash of its status). */
export function vulnDbVersion(dbPath: string): VulnDbVersion {
  const db = openVulnDb(dbPath, { readonly: true });
  try {
    const { path: _path, ...status } = db.status();
    const hash = createHash('sha256').update(JSON.stringify(status)).digest('hex').slice(0, 12);
    const updatedAt = status.updatedAt ?? status.createdAt ?? 'unknown';
    return { version: `${updatedAt}#${hash}`, updatedAt };
  } finally {
    db.close();
  }
}

/** Catalogs `image` (every layer streamed once). */
export async function catalogStoredImage(image: Image, now: Date): Promise<Inventory> {
  try {
    return await catalogImage(image, { now });
  } finally {
    await image.close();
  }
}

/**
 * Matches `inventory` against the database at `dbPath` and applies the filters `moat scan`
 * applies without options (VEX subject by digest; no ignore file on the server).
 */
export function matchAndFilter(inventory: Inventory, dbPath: string, now: Date): MatchedFindings {
  const db = openVulnDb(dbPath, { readonly: true });
  let matched;
  try {
    matched = matchInventory(inventory, db, { now });
  } finally {
    db.close();
  }
  const { manifestDigest, configDigest } = inventory.artifact;
  const filtered = applyFilters(matched.findings, {
    vex: [],
    subject: { digests: [manifestDigest, configDigest].filter((d) => d !== undefined) },
    now,
  });
  return {
    findings: filtered.kept,
    ignored: filtered.ignored,
    warnings: [...inventory.warnings, ...matched.warnings],
    ...(matched.eol !== undefined ? { eol: matched.eol } : {}),
  };
}

/** Counts by severity (every severity present, zero or not). */
export function summaryOf(findings: readonly Finding[]): Record<Severity, number> {
  return countBySeverity(findings);
}

/** gzip of the JSON of `value`. */
export function packJson(value: unknown): Promise<Buffer> {
  return gzipAsync(Buffer.from(JSON.stringify(value)));
}

/** The value of gzip JSON bytes. */
export async function unpackJson<T>(bytes: Buffer): Promise<T> {
  return JSON.parse((await gunzipAsync(bytes)).toString('utf8')) as T;
}
