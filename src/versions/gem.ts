/**
 * RubyGems versions, ordered like `Gem::Version#<=>` (RubyGems 3.x): segments are runs of digits
 * or letters; a `-` means `.pre.`; any letter makes a pre-release, which sorts before the release;
 * trailing zeros of the numeric part and of the string part are ignored (`canonical_segments`).
 */
import { compareDigits, compareStrings, type Ordering } from './ordering.js';
import { VersionError } from './version-error.js';

/** A segment of a gem version: a number (digit string) or a string. */
export type GemSegment = { kind: 'number'; value: string } | { kind: 'string'; value: string };

const GEM_VERSION = /^[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

const isZero = (s: GemSegment): boolean => s.kind === 'number' && /^0+$/.test(s.value);

function dropTrailingZeros(segments: GemSegment[]): GemSegment[] {
  let end = segments.length;
  while (end > 0 && isZero(segments[end - 1]!)) end--;
  return segments.slice(0, end);
}

/** Parses a gem version into its canonical segments; throws {@link VersionError} otherwise. */
export function parseGemVersion(version: string): GemSegment[] {
  const text = version.trim();
  if (!GEM_VERSION.test(text)) throw new VersionError('gem', version, 'not a Gem::Version');
  const segments: GemSegment[] = (text.replaceAll('-', '.pre.').match(/[0-9]+|[a-z]+/gi) ?? []).map(
    (s) => (/^[0-9]/.test(s) ? { kind: 'number', value: s } : { kind: 'string', value: s }),
  );
  const firstString = segments.findIndex((s) => s.kind === 'string');
  if (firstString < 0) return dropTrailingZeros(segments);
  return [
    ...dropTrailingZeros(segments.slice(0, firstString)),
    ...dropTrailingZeros(segments.slice(firstString)),
  ];
}

/** True when the version is a pre-release (contains a letter). */
export function isGemPrerelease(version: string): boolean {
  parseGemVersion(version);
  return /[a-zA-Z]/.test(version);
}

const ZERO: GemSegment = { kind: 'number', value: '0' };

/** Compares two canonical segment lists, a missing segment counting as 0. */
export function compareGemSegments(a: readonly GemSegment[], b: readonly GemSegment[]): Ordering {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? ZERO;
    const y = b[i] ?? ZERO;
    if (x.kind !== y.kind) return x.kind === 'string' ? -1 : 1;
    const result =
      x.kind === 'number' ? compareDigits(x.value, y.value) : compareStrings(x.value, y.value);
    if (result !== 0) return result;
  }
  return 0;
}

/** Orders two gem versions as `Gem::Version#<=>` does. */
export function compareGemVersions(a: string, b: string): Ordering {
  return compareGemSegments(parseGemVersion(a), parseGemVersion(b));
}
