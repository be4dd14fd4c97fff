/**
 * Debian and Ubuntu package versions, ordered as `dpkg --compare-versions` orders them:
 * `[epoch:]upstream[-revision]`, compared part by part with dpkg's `verrevcmp` (deb-version(7)).
 */
import { compareDigits, sign, type Ordering } from './ordering.js';
import { VersionError } from './version-error.js';

/** A parsed Debian version. A missing revision is the empty string, which dpkg ranks like "0". */
export interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

const MAX_EPOCH = 2 ** 31 - 1;

/** Parses `[epoch:]upstream[-revision]` with dpkg's rules, rejecting what dpkg warns or errs on. */
export function parseDebianVersion(version: string): DebianVersion {
  const fail = (reason: string): never => {
    throw new VersionError('deb', version, reason);
  };
  if (version === '') fail('empty');
  if (/\s/.test(version)) fail('contains whitespace');
  let rest = version;
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const epochText = rest.slice(0, colon);
    if (!/^[0-9]+$/.test(epochText)) fail('epoch is not a number');
    epoch = Number(epochText);
    if (epoch > MAX_EPOCH) fail('epoch is too big');
    rest = rest.slice(colon + 1);
    if (rest === '') fail('nothing after the epoch');
  }
  let upstream = rest;
  let revision = '';
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) {
    upstream = rest.slice(0, hyphen);
    revision = rest.slice(hyphen + 1);
    if (revision === '') fail('revision is empty');
  }
  if (upstream === '') fail('upstream version is empty');
  if (!/^[0-9]/.test(upstream)) fail('upstream version does not start with a digit');
  if (!/^[0-9A-Za-z.+~:-]*$/.test(upstream)) fail('invalid character in upstream version');
  if (!/^[0-9A-Za-z.+~]*$/.test(revision)) fail('invalid character in revision');
  return { epoch, upstream, revision };
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isLetter = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

/** dpkg's weight of a non-digit character: `~` first, then end of string, letters, the rest. */
function weight(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  const code = c.charCodeAt(0);
  if (isLetter(c)) return code;
  if (c === '~') return -1;
  return code + 256;
}

/** dpkg's `verrevcmp`: alternating runs of non-digits (by {@link weight}) and digits (numeric). */
export function compareDebianFragments(a: string, b: string): Ordering {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i]!)) || (j < b.length && !isDigit(b[j]!))) {
      const wa = weight(a[i]);
      const wb = weight(b[j]);
      if (wa !== wb) return sign(wa - wb);
      i++;
      j++;
    }
    const startA = i;
    const startB = j;
    while (i < a.length && isDigit(a[i]!)) i++;
    while (j < b.length && isDigit(b[j]!)) j++;
    const byValue = compareDigits(a.slice(startA, i), b.slice(startB, j));
    if (byValue !== 0) return byValue;
  }
  return 0;
}

/** Compares two parsed Debian versions: epoch, then upstream, then revision. */
export function compareParsedDebianVersions(a: DebianVersion, b: DebianVersion): Ordering {
  if (a.epoch !== b.epoch) return sign(a.epoch - b.epoch);
  return (
    compareDebianFragments(a.upstream, b.upstream) || compareDebianFragments(a.revision, b.revision)
  );
}

/** Orders two Debian versions as `dpkg --compare-versions` does. */
export function compareDebianVersions(a: string, b: string): Ordering {
  return compareParsedDebianVersions(parseDebianVersion(a), parseDebianVersion(b));
}
