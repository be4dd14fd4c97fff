/**
 * Ordering of text by UTF-16 code units: the same on every machine whatever its locale (unlike
 * `localeCompare`), and cheap enough for sorting thousands of packages or findings.
 */

/** -1, 0 or 1 as `a` sorts before, with or after `b` by code units. */
export function compareText(a: string, b: string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}
