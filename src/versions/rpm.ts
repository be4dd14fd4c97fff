/**
 * RPM versions (Red Hat, AlmaLinux, Rocky, SUSE, Fedora), ordered like rpm's `rpmvercmp` and
 * `rpmverCmp`: `[epoch:]version[-release]`, alphanumeric segments, `~` before everything and `^`
 * after the base version but before any further segment.
 */
import { compareDigits, compareStrings, type Ordering } from './ordering.js';
import { VersionError } from './version-error.js';

/** A parsed EVR. A missing epoch counts as 0; a missing release sorts before any release. */
export interface RpmVersion {
  epoch: string;
  version: string;
  release: string | undefined;
}

/** Splits `[epoch:]version[-release]` as rpm's `parseEVR` does; rejects empty or spaced input. */
export function parseRpmVersion(evr: string): RpmVersion {
  const fail = (reason: string): never => {
    throw new VersionError('rpm', evr, reason);
  };
  if (evr === '') fail('empty');
  if (!/^[\x21-\x7e]+$/.test(evr)) fail('contains whitespace, control or non-ASCII characters');
  const epochMatch = /^([0-9]*):/.exec(evr);
  const epoch = epochMatch ? epochMatch[1] || '0' : '0';
  const rest = epochMatch ? evr.slice(epochMatch[0].length) : evr;
  const hyphen = rest.lastIndexOf('-');
  const version = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const release = hyphen >= 0 ? rest.slice(hyphen + 1) : undefined;
  if (version === '') fail('version is empty');
  return { epoch, version, release };
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isSeparator = (c: string | undefined): boolean =>
  c !== undefined && !isDigit(c) && !isAlpha(c) && c !== '~' && c !== '^';

/** rpm's `rpmvercmp` on one field (epoch, version or release). */
export function compareRpmSegments(a: string, b: string): Ordering {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (isSeparator(a[i])) i++;
    while (isSeparator(b[j])) j++;
    const ca = a[i];
    const cb = b[j];
    if (ca === '~' || cb === '~') {
      if (ca !== '~') return 1;
      if (cb !== '~') return -1;
      i++;
      j++;
      continue;
    }
    // `^` is like `~` except that the version that ended is the lower one.
    if (ca === '^' || cb === '^') {
      if (ca === undefined) return -1;
      if (cb === undefined) return 1;
      if (ca !== '^') return 1;
      if (cb !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (ca === undefined || cb === undefined) break;
    const numeric = isDigit(ca);
    const inSegment = numeric ? isDigit : isAlpha;
    const startA = i;
    const startB = j;
    while (inSegment(a[i])) i++;
    while (inSegment(b[j])) j++;
    // A numeric segment is newer than an alphabetic one.
    if (startB === j) return numeric ? 1 : -1;
    const segA = a.slice(startA, i);
    const segB = b.slice(startB, j);
    const result = numeric ? compareDigits(segA, segB) : compareStrings(segA, segB);
    if (result !== 0) return result;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/**
 * Compares parsed EVRs as rpm's `rpmverCmp` (behind `rpm.vercmp`): epoch, version, release, where
 * a missing release sorts before any release (unlike dependency matching, where it is a wildcard).
 */
export function compareParsedRpmVersions(a: RpmVersion, b: RpmVersion): Ordering {
  const byEpoch = compareRpmSegments(a.epoch, b.epoch);
  if (byEpoch !== 0) return byEpoch;
  const byVersion = compareRpmSegments(a.version, b.version);
  if (byVersion !== 0) return byVersion;
  if (a.release === undefined || b.release === undefined) {
    return a.release === b.release ? 0 : a.release === undefined ? -1 : 1;
  }
  return compareRpmSegments(a.release, b.release);
}

/** Orders two RPM EVR strings as rpm's `rpm.vercmp` does. */
export function compareRpmVersions(a: string, b: string): Ordering {
  return compareParsedRpmVersions(parseRpmVersion(a), parseRpmVersion(b));
}
