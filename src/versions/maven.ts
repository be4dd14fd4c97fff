/**
 * Maven versions, ordered like maven-artifact's `ComparableVersion` (3.8): the version is split
 * into numbers and qualifiers at `.`, `-` and digit/letter transitions; `-` (and a letter run after
 * `.`) opens a nested list; trailing "null" items (0, "", `ga`, `final`, `release`) are dropped;
 * qualifiers rank alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp <
 * any other qualifier (alphabetical), and `a1`/`b1`/`m1` stand for alpha-1, beta-1, milestone-1.
 */
import { compareDigits, compareStrings, sign, type Ordering } from './ordering.js';
import { VersionError } from './version-error.js';

/** One item of a parsed Maven version. */
export type MavenItem =
  | { kind: 'number'; value: string }
  | { kind: 'qualifier'; value: string }
  | { kind: 'list'; items: MavenItem[] };

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const RELEASE_RANK = String(QUALIFIERS.indexOf(''));

/** The sortable key of a qualifier: its index among the known ones, else after all of them. */
function qualifierRank(value: string): string {
  const index = QUALIFIERS.indexOf(value);
  return index >= 0 ? String(index) : `${QUALIFIERS.length}-${value}`;
}

function qualifier(text: string, followedByDigit: boolean): MavenItem {
  let value = text;
  if (followedByDigit && value.length === 1) {
    value = { a: 'alpha', b: 'beta', m: 'milestone' }[value] ?? value;
  }
  // Own keys only: a qualifier such as `constructor` is a plain word, not Object's.
  const alias = Object.hasOwn(ALIASES, value) ? ALIASES[value] : undefined;
  return { kind: 'qualifier', value: alias ?? value };
}

const item = (isDigit: boolean, text: string): MavenItem =>
  isDigit ? { kind: 'number', value: text.replace(/^0+/, '') || '0' } : qualifier(text, false);

function isNull(it: MavenItem): boolean {
  if (it.kind === 'number') return it.value === '0';
  if (it.kind === 'qualifier') return qualifierRank(it.value) === RELEASE_RANK;
  return it.items.length === 0;
}

/** Drops trailing null items, stepping over trailing sub-lists (as `ListItem.normalize`). */
function normalize(list: MavenItem[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const last = list[i]!;
    if (isNull(last)) list.splice(i, 1);
    else if (last.kind !== 'list') break;
  }
}

/** Parses a Maven version into ComparableVersion's item tree (the top-level list's items). */
export function parseMavenVersion(version: string): MavenItem[] {
  if (version === '') throw new VersionError('maven', version, 'empty');
  if (!/^[\x21-\x7e]+$/.test(version)) {
    throw new VersionError(
      'maven',
      version,
      'contains whitespace, control or non-ASCII characters',
    );
  }
  const text = version.toLowerCase();
  const root: MavenItem[] = [];
  const stack: MavenItem[][] = [root];
  let list = root;
  const openList = (): void => {
    const items: MavenItem[] = [];
    list.push({ kind: 'list', items });
    list = items;
    stack.push(items);
  };
  let isDigit = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '.' || c === '-') {
      list.push(i === start ? { kind: 'number', value: '0' } : item(isDigit, text.slice(start, i)));
      start = i + 1;
      if (c === '-') openList();
    } else if (c >= '0' && c <= '9') {
      if (!isDigit && i > start) {
        // `1.0.0.x1` ranks like `1.0.0-x1`: a qualifier after a dot starts a sub-list.
        if (list.length > 0) openList();
        list.push(qualifier(text.slice(start, i), true));
        start = i;
        openList();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(item(true, text.slice(start, i)));
        start = i;
        openList();
      }
      isDigit = false;
    }
  }
  if (text.length > start) {
    if (!isDigit && list.length > 0) openList();
    list.push(item(isDigit, text.slice(start)));
  }
  for (let i = stack.length - 1; i >= 0; i--) normalize(stack[i]!);
  return root;
}

/** Compares an item with a missing one (the end of the shorter list). */
function compareWithNothing(it: MavenItem): Ordering {
  if (it.kind === 'number') return it.value === '0' ? 0 : 1;
  if (it.kind === 'qualifier') return compareStrings(qualifierRank(it.value), RELEASE_RANK);
  const first = it.items[0];
  return first === undefined ? 0 : compareWithNothing(first);
}

function compareItems(a: MavenItem | undefined, b: MavenItem | undefined): Ordering {
  if (a === undefined) return b === undefined ? 0 : (-compareWithNothing(b) as Ordering);
  if (b === undefined) return compareWithNothing(a);
  if (a.kind === 'number') {
    return b.kind === 'number' ? compareDigits(a.value, b.value) : 1;
  }
  if (a.kind === 'qualifier') {
    return b.kind === 'qualifier'
      ? compareStrings(qualifierRank(a.value), qualifierRank(b.value))
      : -1;
  }
  if (b.kind === 'number') return -1;
  if (b.kind === 'qualifier') return 1;
  return compareLists(a.items, b.items);
}

function compareLists(a: readonly MavenItem[], b: readonly MavenItem[]): Ordering {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const result = compareItems(a[i], b[i]);
    if (result !== 0) return result;
  }
  return 0;
}

/** ComparableVersion's canonical text of a parsed version (`1-alpha-1` for `1.0-alpha1`). */
export function canonicalMavenVersion(items: readonly MavenItem[]): string {
  let out = '';
  for (const it of items) {
    if (out !== '') out += it.kind === 'list' ? '-' : '.';
    out += it.kind === 'list' ? canonicalMavenVersion(it.items) : it.value;
  }
  return out;
}

/** Compares two parsed Maven versions. */
export function compareParsedMavenVersions(
  a: readonly MavenItem[],
  b: readonly MavenItem[],
): Ordering {
  return sign(compareLists(a, b));
}

/** Orders two Maven versions as `ComparableVersion.compareTo` does. */
export function compareMavenVersions(a: string, b: string): Ordering {
  return compareLists(parseMavenVersion(a), parseMavenVersion(b));
}
