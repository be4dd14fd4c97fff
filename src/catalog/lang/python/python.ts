/**
 * Python: installed distributions, read from their core metadata files (`*.dist-info/METADATA`,
 * `*.egg-info/PKG-INFO`, or a single-file `*.egg-info`), plus the PEP 503 name rule the Python
 * lockfile catalogers share.
 *
 * Core metadata is an email-style header block (`Name: requests`); the body after the first
 * blank line is the long description and is ignored. Licenses come from `License-Expression`
 * (metadata 2.4), else a one-line `License`, else the `License :: …` trove classifiers.
 */
import type { FoundPackage } from '../../types.js';
import { decodeText, type FileFindings, type TextCataloger } from '../text-input.js';

/** PEP 503 normalised name: lower case, every run of `-`, `_` and `.` becomes one `-`. */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Builds a pypi package with its PEP 503 name; the name as written is kept when it differs. */
export function pypiPackage(
  name: string,
  version: string,
  extra: { licenses?: string[]; metadata?: FoundPackage['metadata'] } = {},
): FoundPackage {
  const normalized = normalizePythonName(name);
  const metadata: NonNullable<FoundPackage['metadata']> = { ...extra.metadata };
  if (normalized !== name) metadata.originalName = name;
  const pkg: FoundPackage = {
    type: 'pypi',
    name: normalized,
    version,
    licenses: extra.licenses ?? [],
  };
  if (Object.keys(metadata).length > 0) pkg.metadata = metadata;
  return pkg;
}

/** Header fields of a core metadata file, keys lower-cased, repeated fields kept in order. */
export function parseCoreMetadataHeaders(text: string): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  let last: { key: string; values: string[] } | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') break;
    if (/^[ \t]/.test(line)) {
      // A folded continuation of the previous field.
      if (last) {
        const index = last.values.length - 1;
        last.values[index] = `${last.values[index] ?? ''}\n${line.trim()}`;
      }
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      last = undefined;
      continue;
    }
    const key = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(key) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(key, values);
    last = { key, values };
  }
  return headers;
}

const LICENSE_CLASSIFIER = /^License\s*::\s*(?:OSI Approved\s*::\s*)?(.+)$/;

function licensesFrom(headers: Map<string, string[]>): string[] {
  const expression = headers.get('license-expression')?.[0];
  if (expression) return [expression];
  const license = headers.get('license')?.[0];
  // Many packages paste the whole license text here; only a one-line value names a license.
  if (
    license &&
    !license.includes('\n') &&
    license.length <= 100 &&
    license.toUpperCase() !== 'UNKNOWN'
  ) {
    return [license];
  }
  const fromClassifiers: string[] = [];
  for (const classifier of headers.get('classifier') ?? []) {
    const match = LICENSE_CLASSIFIER.exec(classifier);
    const name = match?.[1]?.trim();
    if (name && name !== 'OSI Approved' && !fromClassifiers.includes(name))
      fromClassifiers.push(name);
  }
  return fromClassifiers;
}

function readCoreMetadata(content: Buffer, findings: FileFindings): void {
  const headers = parseCoreMetadataHeaders(decodeText(content));
  const name = headers.get('name')?.[0];
  const version = headers.get('version')?.[0];
  if (!name || !version) {
    findings.warn('not Python core metadata (no Name and Version)');
    return;
  }
  findings.add(pypiPackage(name, version, { licenses: licensesFrom(headers) }));
}

const CORE_METADATA = /(?:^|\/)[^/]+(?:\.dist-info\/METADATA|\.egg-info\/PKG-INFO|\.egg-info)$/;

/** The cataloger of installed Python distributions (dist-info and egg-info metadata). */
export const pythonMetadataCataloger: TextCataloger = {
  name: 'python-metadata',
  version: 1,
  wants: (path) => CORE_METADATA.test(path),
  read: readCoreMetadata,
};
