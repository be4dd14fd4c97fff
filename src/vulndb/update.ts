/**
 * `updateDb`: fetches the configured sources (default: osv.dev's per-ecosystem `all.zip` for
 * every ecosystem Moat catalogs) with conditional GETs and imports what changed in one atomic
 * import. A source that answers 304 costs nothing; one that fails is reported and the others
 * are still imported.
 */
import { rm } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

import { isMoatError } from '../errors.js';
import { tempPathBeside } from './atomic.js';
import { openVulnDb, type SourceInfo } from './database.js';
import { downloadToFile } from './download.js';
import { importOsv, type ImportOptions, type ImportSummary } from './import.js';
import { defaultVulnDbLimits } from './limits.js';

/** A source `moat db update` fetches. */
export interface UpdateSource {
  name: string;
  url: string;
}

/** The osv.dev ecosystems fetched by default: every ecosystem Moat catalogs packages for. */
export const defaultOsvEcosystems = [
  'Debian',
  'Alpine',
  'Ubuntu',
  'Red Hat',
  'AlmaLinux',
  'Rocky Linux',
  'npm',
  'PyPI',
  'Go',
  'Maven',
  'crates.io',
  'RubyGems',
  'Packagist',
  'NuGet',
  'Wolfi',
  'Chainguard',
] as const;

/** osv.dev's per-ecosystem zips under `base`. */
export function defaultUpdateSources(
  base = 'https://osv-vulnerabilities.storage.googleapis.com',
): UpdateSource[] {
  return defaultOsvEcosystems.map((ecosystem) => ({
    name: `osv:${ecosystem}`,
    url: `${base}/${encodeURIComponent(ecosystem)}/all.zip`,
  }));
}

/** What an update did. */
export interface UpdateResult {
  /** Sources whose copy was current (HTTP 304). */
  notModified: string[];
  /** Sources downloaded and imported. */
  updated: string[];
  /** Sources that could not be fetched, with the reason. */
  failed: { name: string; reason: string }[];
  /** The import of the downloaded sources, when there were any. */
  import?: ImportSummary;
}

/**
 * Updates the database at `dbPath` from `sources`.
 * @throws MoatError DB_SCHEMA_TOO_NEW / DB_INVALID for the existing database; errors of the import.
 */
export async function updateDb(
  dbPath: string,
  sources: UpdateSource[] = defaultUpdateSources(),
  options: Omit<ImportOptions, 'importedBy'> = {},
): Promise<UpdateResult> {
  const known = storedSources(dbPath);
  const maxBytes = options.limits?.maxDownloadBytes ?? defaultVulnDbLimits.maxDownloadBytes;
  const result: UpdateResult = { notModified: [], updated: [], failed: [] };
  const downloads: {
    location: string;
    name: string;
    url: string;
    etag?: string;
    lastModified?: string;
  }[] = [];
  await mkdir(dirname(dbPath), { recursive: true });
  try {
    for (const source of sources) {
      const held = known.get(source.name);
      // Validators apply only to the same URL and only while the database holds its records.
      const validators = held && held.url === source.url ? held : undefined;
      const file = tempPathBeside(dbPath, 'download');
      try {
        options.onProgress?.({ source: source.name, records: 0 });
        const outcome = await downloadToFile(source.url, file, {
          maxBytes,
          etag: validators?.etag ?? null,
          lastModified: validators?.lastModified ?? null,
        });
        if (outcome.status === 'not-modified') {
          result.notModified.push(source.name);
          continue;
        }
        downloads.push({
          location: file,
          name: source.name,
          url: source.url,
          ...(outcome.etag !== undefined ? { etag: outcome.etag } : {}),
          ...(outcome.lastModified !== undefined ? { lastModified: outcome.lastModified } : {}),
        });
        result.updated.push(source.name);
      } catch (error) {
        if (!isMoatError(error)) throw error;
        result.failed.push({ name: source.name, reason: error.message });
      }
    }
    if (downloads.length > 0) {
      result.import = await importOsv(dbPath, downloads, { ...options, importedBy: 'update' });
    }
    return result;
  } finally {
    await Promise.all(downloads.map((d) => rm(d.location, { force: true })));
  }
}

function storedSources(dbPath: string): Map<string, SourceInfo> {
  let db;
  try {
    db = openVulnDb(dbPath, { readonly: true });
  } catch (error) {
    // Nothing stored, or a database of an older schema that the import rebuilds: fetch everything.
    if (isMoatError(error) && (error.code === 'DB_NOT_FOUND' || error.code === 'DB_SCHEMA_TOO_OLD'))
      return new Map();
    throw error;
  }
  try {
    return new Map(db.sources().map((source) => [source.name, source]));
  } finally {
    db.close();
  }
}
