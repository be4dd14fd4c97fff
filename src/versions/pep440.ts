/**
 * Python package versions (PEP 440), ordered like `packaging.version.Version`: epoch, release
 * (trailing zeros ignored), pre-release (`a`/`b`/`rc` and their spellings), post-release,
 * development release and local version, after the spec's normalisation (`1.0RC1`, `1.0-post1`,
 * `v1.0`, `1.0-1`).
 */
import { compareDigits, compareStrings, type Ordering } from './ordering.js';
import { VersionError } from './version-error.js';

/** A normalised PEP 440 version; numbers are digit strings without leading zeros. */
export interface Pep440Version {
  epoch: string;
  release: string[];
  pre: { label: 'a' | 'b' | 'rc'; number: string } | undefined;
  post: string | undefined;
  dev: string | undefined;
  local: string[] | undefined;
}

// PEP 440 appendix B, the permissive grammar that `packaging` accepts.
const PEP440 = new RegExp(
  '^\\s*v?' +
    '(?:([0-9]+)!)?' +
    '([0-9]+(?:\\.[0-9]+)*)' +
    '(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?' +
    '(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?' +
    '(?:[-_.]?(dev)[-_.]?([0-9]+)?)?' +
    '(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\\s*$',
  'i',
);

const PRE_LABELS: Record<string, 'a' | 'b' | 'rc'> = {
  a: 'a',
  alpha: 'a',
  b: 'b',
  beta: 'b',
  c: 'rc',
  pre: 'rc',
  preview: 'rc',
  rc: 'rc',
};

const int = (digits: string): string => digits.replace(/^0+(?=[0-9])/, '');

/** Parses and normalises a PEP 440 version; throws {@link VersionError} for anything else. */
export function parsePep440Version(version: string): Pep440Version {
  const m = PEP440.exec(version);
  if (!m) throw new VersionError('pypi', version, 'not a PEP 440 version');
  const [
    ,
    epoch,
    release,
    preLabel,
    preNumber,
    postImplicit,
    postLabel,
    postNumber,
    dev,
    devNumber,
    local,
  ] = m;
  return {
    epoch: int(epoch ?? '0'),
    release: release!.split('.').map(int),
    pre:
      preLabel === undefined
        ? undefined
        : { label: PRE_LABELS[preLabel.toLowerCase()]!, number: int(preNumber ?? '0') },
    post:
      postImplicit !== undefined
        ? int(postImplicit)
        : postLabel !== undefined
          ? int(postNumber ?? '0')
          : undefined,
    dev: dev === undefined ? undefined : int(devNumber ?? '0'),
    local:
      local === undefined
        ? undefined
        : local
            .toLowerCase()
            .split(/[-_.]/)
            .map((part) => (/^[0-9]+$/.test(part) ? int(part) : part)),
  };
}

/** The normalised text of a version (PEP 440 §"Normalization"), e.g. `1.0rc1` for `1.0-RC.1`. */
export function normalizePep440Version(version: string): string {
  const v = parsePep440Version(version);
  return (
    (v.epoch === '0' ? '' : `${v.epoch}!`) +
    v.release.join('.') +
    (v.pre ? `${v.pre.label}${v.pre.number}` : '') +
    (v.post === undefined ? '' : `.post${v.post}`) +
    (v.dev === undefined ? '' : `.dev${v.dev}`) +
    (v.local === undefined ? '' : `+${v.local.join('.')}`)
  );
}

/** Rank of the pre-release part: a bare dev release sorts before any pre-release, a final after. */
function comparePre(a: Pep440Version, b: Pep440Version): Ordering {
  const rank = (v: Pep440Version): number =>
    v.pre !== undefined ? 1 : v.post === undefined && v.dev !== undefined ? 0 : 2;
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank < 0 ? -1 : 1;
  if (a.pre === undefined || b.pre === undefined) return 0;
  return compareStrings(a.pre.label, b.pre.label) || compareDigits(a.pre.number, b.pre.number);
}

/** Compares optional numbers where a missing one sorts first (post) or last (dev). */
function compareOptional(
  a: string | undefined,
  b: string | undefined,
  missing: Ordering,
): Ordering {
  if (a === undefined || b === undefined)
    return a === b ? 0 : a === undefined ? missing : (-missing as Ordering);
  return compareDigits(a, b);
}

/** Local segments: numeric parts above alphanumeric ones, then by length. */
function compareLocal(a: string[] | undefined, b: string[] | undefined): Ordering {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    const numericX = /^[0-9]+$/.test(x);
    const numericY = /^[0-9]+$/.test(y);
    if (numericX !== numericY) return numericX ? 1 : -1;
    const byPart = numericX ? compareDigits(x, y) : compareStrings(x, y);
    if (byPart !== 0) return byPart;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareRelease(a: readonly string[], b: readonly string[]): Ordering {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const byPart = compareDigits(a[i] ?? '0', b[i] ?? '0');
    if (byPart !== 0) return byPart;
  }
  return 0;
}

/** Compares two parsed PEP 440 versions by `packaging`'s sort key. */
export function compareParsedPep440Versions(a: Pep440Version, b: Pep440Version): Ordering {
  return (
    compareDigits(a.epoch, b.epoch) ||
    compareRelease(a.release, b.release) ||
    comparePre(a, b) ||
    compareOptional(a.post, b.post, -1) ||
    compareOptional(a.dev, b.dev, 1) ||
    compareLocal(a.local, b.local)
  );
}

/** Orders two Python package versions as `packaging.version.Version` does. */
export function comparePep440Versions(a: string, b: string): Ordering {
  return compareParsedPep440Versions(parsePep440Version(a), parsePep440Version(b));
}
