/**
 * The result type every comparator returns, and the helpers that produce it. Kept apart so each
 * comparator file depends only on this and {@link VersionError}.
 */
import { compareText } from '../util/order.js';

/** The outcome of comparing two versions: a sorts before (-1), equal to (0) or after (1) b. */
export type Ordering = -1 | 0 | 1;

/** Reduces any number to its sign as an {@link Ordering}. */
export function sign(n: number): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Compares two strings by UTF-16 code units, like C's strcmp on ASCII. */
export function compareStrings(a: string, b: string): Ordering {
  return compareText(a, b);
}

/**
 * Compares two runs of ASCII digits by numeric value without converting them, so numbers of any
 * length compare correctly (several specs allow arbitrarily long numeric parts).
 */
export function compareDigits(a: string, b: string): Ordering {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return compareStrings(x, y);
}
