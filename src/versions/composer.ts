/**
 * Composer (Packagist) versions, ordered as Composer orders them: `VersionParser::normalize` to
 * `W.X.Y.Z[-stability[N]][-dev]`, then PHP's `version_compare` on the normalised strings, which
 * ranks dev < alpha = a < beta = b < RC = rc < (release) < patch = pl = p. Branch names
 * (`dev-main`, `1.x-dev`) are not orderable versions and are rejected.
 */
import { compareDigits, type Ordering } from './ordering.js';
import { VersionError } from './version-error.js';

const MODIFIER = '[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?[0-9]+)*)?)?([.-]?dev)?';
const CLASSICAL = new RegExp(
  `^v?([0-9]{1,5})(\\.[0-9]+)?(\\.[0-9]+)?(\\.[0-9]+)?${MODIFIER}$`,
  'i',
);
const DATE_BASED = new RegExp(
  `^v?([0-9]{4}(?:[.:-]?[0-9]{2}){1,6}(?:[.:-]?[0-9]{1,3}){0,2})${MODIFIER}$`,
  'i',
);

const STABILITY: Record<string, string> = {
  a: 'alpha',
  b: 'beta',
  p: 'patch',
  pl: 'patch',
  rc: 'RC',
};

/** Normalises a version as Composer's `VersionParser::normalize` does (`v1.2-beta2` → `1.2.0.0-beta2`). */
export function normalizeComposerVersion(version: string): string {
  const text = version.trim().replace(/^([^,\s+]+)\+\S+$/, '$1');
  let base: string;
  let modifier: (string | undefined)[];
  const classical = CLASSICAL.exec(text);
  const dated = classical ? null : DATE_BASED.exec(text);
  if (classical) {
    base = [1, 2, 3, 4]
      .map((i) => (i === 1 ? classical[i] : (classical[i]?.slice(1) ?? '0')))
      .join('.');
    modifier = classical.slice(5);
  } else if (dated) {
    base = dated[1]!.replace(/[^0-9]/g, '.');
    modifier = dated.slice(2);
  } else {
    throw new VersionError(
      'composer',
      version,
      'not a Composer version (branches are not orderable)',
    );
  }
  const [stability, number, dev] = modifier;
  if (stability) {
    if (stability === 'stable') return base;
    const lower = stability.toLowerCase();
    // Own keys only: `constructor` is not a stability, whatever Object.prototype says.
    const known = Object.hasOwn(STABILITY, lower) ? STABILITY[lower] : undefined;
    base += `-${known ?? lower}${number ? number.replace(/^[.-]+/, '') : ''}`;
  }
  return dev ? `${base}-dev` : base;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** PHP's `php_canonicalize_version`: `-_+` and other non-alphanumerics become `.`, and a dot
 * separates digit runs from non-digit runs. */
function canonicalizePhpVersion(version: string): string {
  if (version === '') return '';
  let out = version[0]!;
  let previous = version[0]!;
  for (const c of version.slice(1)) {
    const last = out[out.length - 1];
    const dot = last === '.' ? '' : '.';
    const transition = previous !== '.' && c !== '.' && isDigit(previous) !== isDigit(c);
    if (c === '-' || c === '_' || c === '+') out += dot;
    else if (transition) out += dot + c;
    else if (!/[0-9A-Za-z]/.test(c)) out += dot;
    else out += c;
    previous = c;
  }
  return out;
}

const SPECIAL_FORMS: [string, number][] = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];

function compareSpecialForms(a: string, b: string): Ordering {
  const rank = (form: string): number =>
    SPECIAL_FORMS.find(([name]) => form.startsWith(name))?.[1] ?? -1;
  const x = rank(a);
  const y = rank(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** PHP's `version_compare($a, $b)`; a part missing on one side ranks as the release marker `#N#`. */
export function phpVersionCompare(a: string, b: string): Ordering {
  if (a === '' || b === '') return a === b ? 0 : a === '' ? -1 : 1;
  // PHP leaves its own `#N#` marker uncanonicalised.
  const partsA = (a.startsWith('#') ? a : canonicalizePhpVersion(a)).split('.');
  const partsB = (b.startsWith('#') ? b : canonicalizePhpVersion(b)).split('.');
  for (let i = 0; ; i++) {
    const x = partsA[i];
    const y = partsB[i];
    if (x === undefined && y === undefined) return 0;
    if (y === undefined) {
      return isDigit(x![0]) ? 1 : phpVersionCompare(partsA.slice(i).join('.'), '#N#');
    }
    if (x === undefined) {
      return isDigit(y[0]) ? -1 : phpVersionCompare('#N#', partsB.slice(i).join('.'));
    }
    const result =
      isDigit(x[0]) && isDigit(y[0])
        ? compareDigits(x, y)
        : !isDigit(x[0]) && !isDigit(y[0])
          ? compareSpecialForms(x, y)
          : isDigit(x[0])
            ? compareSpecialForms('#N#', y)
            : compareSpecialForms(x, '#N#');
    if (result !== 0) return result;
  }
}

/** Orders two Composer versions as Composer's constraint matching does. */
export function compareComposerVersions(a: string, b: string): Ordering {
  return phpVersionCompare(normalizeComposerVersion(a), normalizeComposerVersion(b));
}
