/**
 * `scanImage`: the vulnerability scan as a library call — open the image, catalog it, match its
 * packages against the vulnerability database, then filter. It sits at the top of `src/` beside
 * `open.ts` because it composes stages. Like Trivy, it fetches the database itself when there is
 * none (unless offline) and refreshes one that `moat db update` built once it is a day old; a
 * database imported by hand (`moat db import`, a signed bundle) is never replaced behind the
 * user's back, and a failed refresh falls back to the database at hand with a warning.
 */
import { stat } from 'node:fs/promises';

import { catalogImage } from './catalog/inventory.js';
import type { LayerCache } from './catalog/layer-cache.js';
import type { Inventory } from './catalog/types.js';
import { MoatError, isMoatError } from './errors.js';
import { applyFilters, describeExpiredEntry } from './filter/apply.js';
import type { IgnoredFinding, VexStatement } from './filter/index.js';
import type { ImageConfig, OpenImageOptions } from './image/types.js';
import { matchInventory, type EolStatus, type Finding, type Severity } from './match/index.js';
import { openImage } from './open.js';
import { defaultCacheDir, vulnDbPath } from './util/cache-paths.js';
import { openVulnDb } from './vulndb/database.js';
import type { UpdateSource } from './vulndb/update.js';

/** A database that `moat db update` built is refreshed once it is older than this. */
export const vulnDbMaxAgeMs = 24 * 60 * 60 * 1000;

/** Options of {@link scanImage}. */
export interface ScanOptions extends Omit<OpenImageOptions, 'onWarning'> {
  /** Cache directory holding the database (default: `$MOAT_CACHE_DIR`, XDG, `~/.cache/moat`). */
  cacheDir?: string;
  /** Per-layer analysis cache; cached layers are not read again. */
  layerCache?: LayerCache;
  /** Never fetch the database; fail when there is none. */
  offline?: boolean;
  /** Where an update fetches from (default: osv.dev's per-ecosystem zips). */
  updateSources?: UpdateSource[];
  /** Keep only these severities. */
  severities?: readonly Severity[];
  /** Keep only findings with a fix. */
  ignoreUnfixed?: boolean;
  /** Report development dependencies that only a lockfile lists. */
  includeDevDeps?: boolean;
  /** Path of the ignore file, read before the image is opened. */
  ignoreFile?: string;
  /** Paths of VEX documents (OpenVEX or CycloneDX), read before the image is opened. */
  vex?: readonly string[];
  /** The clock for expiry, end of life and database age (tests). */
  now?: Date;
  /** One-line warnings as they arise (they are also returned). */
  onWarning?: (message: string) => void;
  /** What the scan is doing, for progress display. */
  onProgress?: (message: string) => void;
  /** Called before each layer: `cached` when its analysis comes from the layer cache. */
  onLayer?: (index: number, total: number, cached: boolean) => void;
}

/** What a scan found. */
export interface ScanResult {
  inventory: Inventory;
  /** Findings left after the filters, in the matcher's order. */
  findings: Finding[];
  /** Findings the filters left out, each with its reason. */
  ignored: IgnoredFinding[];
  /** Every warning: catalog, database, matching, expired ignore entries. */
  warnings: string[];
  /** End of life of the image's distribution release, when known. */
  eol?: EolStatus;
  /** The image's configuration (what the policy gate evaluates besides the packages). */
  config?: ImageConfig;
}

/**
 * Scans `target` for vulnerabilities.
 * @example
 * const result = await scanImage('oci:./layout:latest', { severities: ['HIGH', 'CRITICAL'] });
 * console.log(result.findings.length);
 */
export async function scanImage(target: string, options: ScanOptions = {}): Promise<ScanResult> {
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  // The user's documents are checked first: a typo there should not cost a whole image read.
  // Their parsers (YAML, zod schemas) load only when there are documents.
  const ignoreFile =
    options.ignoreFile === undefined
      ? undefined
      : await (await import('./filter/ignore-file-parse.js')).loadIgnoreFile(options.ignoreFile);
  const vex: VexStatement[] = [];
  if (options.vex !== undefined && options.vex.length > 0) {
    const { loadVex } = await import('./filter/vex.js');
    for (const path of options.vex)
      for (const statement of await loadVex(path)) vex.push(statement);
  }
  const dbPath = await prepareVulnDb(options, warn);

  const { inventory, findings, matchWarnings, eol, config } = await catalogAndMatch(
    target,
    dbPath,
    options,
    warn,
  );
  for (const message of matchWarnings) warn(message);
  const now = options.now ?? new Date();
  const filtered = applyFilters(findings, {
    ...(options.severities !== undefined ? { severities: options.severities } : {}),
    ...(options.ignoreUnfixed === true ? { ignoreUnfixed: true } : {}),
    ...(ignoreFile !== undefined ? { ignoreFile } : {}),
    vex,
    subject: { digests: digestsOf(inventory) },
    now,
  });
  for (const entry of filtered.expired) warn(describeExpiredEntry(options.ignoreFile ?? '', entry));
  return {
    inventory,
    findings: filtered.kept,
    ignored: filtered.ignored,
    warnings,
    ...(eol !== undefined ? { eol } : {}),
    config,
  };
}

async function catalogAndMatch(
  target: string,
  dbPath: string,
  options: ScanOptions,
  warn: (message: string) => void,
): Promise<{
  inventory: Inventory;
  findings: Finding[];
  matchWarnings: string[];
  eol?: EolStatus;
  config: ImageConfig;
}> {
  const imageOptions: OpenImageOptions = {
    ...(options.platform !== undefined ? { platform: options.platform } : {}),
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.insecure === true ? { insecure: true } : {}),
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
  };
  const image = await openImage(target, { ...imageOptions, onWarning: warn });
  const config = image.config;
  let inventory: Inventory;
  try {
    inventory = await catalogImage(image, {
      onLayer: (index, total, cached) => {
        options.onLayer?.(index, total, cached);
        options.onProgress?.(`${cached ? 'cached' : 'reading'} layer ${index + 1}/${total}`);
      },
      ...(options.layerCache ? { layerCache: options.layerCache } : {}),
      ...(options.includeDevDeps ? { includeDevDeps: true } : {}),
      ...(options.now !== undefined ? { now: options.now } : {}),
    });
  } finally {
    await image.close();
  }
  for (const message of inventory.warnings) warn(message);
  options.onProgress?.(`matching ${inventory.packages.length} packages`);
  const db = openVulnDb(dbPath, { readonly: true });
  try {
    const result = matchInventory(
      inventory,
      db,
      options.now !== undefined ? { now: options.now } : {},
    );
    return {
      inventory,
      findings: result.findings,
      matchWarnings: result.warnings,
      ...(result.eol !== undefined ? { eol: result.eol } : {}),
      config,
    };
  } finally {
    db.close();
  }
}

/**
 * Makes sure a database is at hand and returns its path: fetches one when missing (unless
 * offline), refreshes one built by updates when stale, and leaves hand-imported ones alone.
 */
export async function prepareVulnDb(
  options: Pick<ScanOptions, 'cacheDir' | 'offline' | 'updateSources' | 'now' | 'onProgress'>,
  warn: (message: string) => void = () => undefined,
): Promise<string> {
  const dbPath = vulnDbPath(options.cacheDir ?? defaultCacheDir());
  const exists = await stat(dbPath).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!exists && options.offline === true) {
    throw new MoatError(
      'DB_NOT_FOUND',
      `${dbPath}: no vulnerability database and --offline forbids fetching one; run "moat db update" or "moat db import" first`,
    );
  }
  if (exists && !needsRefresh(dbPath, options)) return dbPath;
  if (exists && options.offline === true) return dbPath;
  options.onProgress?.(
    exists ? 'updating the vulnerability database' : 'fetching the vulnerability database',
  );
  // The updater (downloads, zip reading, OSV validation) loads only when it runs.
  const { defaultUpdateSources, updateDb } = await import('./vulndb/update.js');
  const sources = options.updateSources ?? defaultUpdateSources();
  let failure: string | undefined;
  try {
    const result = await updateDb(dbPath, sources);
    const first = result.failed[0];
    if (first !== undefined)
      failure = `${result.failed.length} of ${sources.length} source(s) failed, first: ${first.reason}`;
  } catch (error) {
    if (!isMoatError(error)) throw error;
    failure = error.message;
  }
  if (failure === undefined) return dbPath;
  const usable = await stat(dbPath).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!usable) {
    throw new MoatError(
      'DB_SOURCE_UNAVAILABLE',
      `cannot fetch the vulnerability database: ${failure}`,
    );
  }
  warn(`could not update the vulnerability database (${failure}); using the database at hand`);
  return dbPath;
}

/** True for a database only updates built, last updated longer ago than {@link vulnDbMaxAgeMs}. */
function needsRefresh(dbPath: string, options: Pick<ScanOptions, 'offline' | 'now'>): boolean {
  if (options.offline === true) return false;
  // A database of an older schema throws DB_SCHEMA_TOO_OLD here, with how to rebuild it: it may
  // have been imported by hand, and such a database is never replaced behind the user's back.
  const db = openVulnDb(dbPath, { readonly: true });
  try {
    const status = db.status();
    const byHand =
      status.origin === 'bundle' || status.sources.some((s) => s.importedBy === 'manual');
    if (byHand) return false;
    const updated = status.updatedAt === null ? Number.NaN : Date.parse(status.updatedAt);
    const now = (options.now ?? new Date()).getTime();
    return Number.isNaN(updated) || now - updated > vulnDbMaxAgeMs;
  } finally {
    db.close();
  }
}

function digestsOf(inventory: Inventory): string[] {
  const { manifestDigest, configDigest } = inventory.artifact;
  return [manifestDigest, configDigest].filter((d): d is string => d !== undefined);
}
