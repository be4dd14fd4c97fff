/**
 * Ordering of text by UTF-16 code units: the same on every machine whatever its locale (unlike
 * `localeCompare`), and cheap enough for sorting thousands of packages or findings.
 */

/** -1, 0 or 1 as `a` sorts before, with or after `b` by code units. */
export function compareText(a: string, b: string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Arrays up to this length are sorted by insertion in {@link sortInPlace}. */
const INSERTION_SORT_MAX = 16;

/**
 * Sorts `items` in place, stably, and returns them. Short arrays (most arrays the matcher sorts
 * hold one to a few items) are sorted by insertion, which allocates nothing where the built-in
 * sort allocates its work arrays on every call; longer ones by the built-in sort.
 * @example sortInPlace(['b', 'a'], compareText) // ['a', 'b']
 */
export function sortInPlace<T>(items: T[], compare: (a: T, b: T) => number): T[] {
  if (items.length > INSERTION_SORT_MAX) return items.sort(compare);
  for (let i = 1; i < items.length; i++) {
    const item = items[i] as T;
    let j = i;
    for (; j > 0 && compare(items[j - 1] as T, item) > 0; j--) items[j] = items[j - 1] as T;
    items[j] = item;
  }
  return items;
}
