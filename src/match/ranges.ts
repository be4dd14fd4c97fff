/**
 * Whether one version is affected by one OSV `affected[]` entry: its explicit `versions` list and
 * its `ECOSYSTEM`/`SEMVER` ranges, evaluated as the OSV schema's "Evaluation" section describes
 * (sort the events, walk them; `introduced: "0"` opens before every version; `fixed` closes at,
 * `last_affected` after, its version; when `limit` events exist the version must sit below one).
 * `GIT` ranges and unknown types are ignored. A version the comparator cannot parse — installed
 * or in the record — gives the distinct outcome `unparsable`, never a guess either way.
 */
import { compareText, sortInPlace } from '../util/order.js';
import type { OsvAffected, OsvEvent, OsvRange } from '../vulndb/index.js';
import { VersionError, type Ordering } from '../versions/index.js';

/** Orders two versions of one ecosystem; throws {@link VersionError} for an unparsable one. */
export type VersionComparator = (a: string, b: string) => Ordering;

/** Comparators to evaluate an entry with: the ecosystem's own, and the one for `SEMVER` ranges. */
export interface Comparators {
  ecosystem: VersionComparator;
  semver: VersionComparator;
}

/** The verdict on one version against one affected entry. */
export type AffectedOutcome =
  | {
      kind: 'affected';
      /** Fixed versions that close the intervals holding the version, lowest first. */
      fixedVersions: string[];
    }
  | { kind: 'unaffected' }
  | {
      kind: 'unparsable';
      /** The version the comparator rejected (installed or from the record). */
      version: string;
      reason: string;
    };

/** One range event as a kind and a version. */
interface Event {
  kind: 'introduced' | 'fixed' | 'last_affected' | 'limit';
  version: string;
}

const evaluatedTypes = new Set(['ECOSYSTEM', 'SEMVER']);

/**
 * Evaluates `version` against one affected entry: affected when it is listed in `versions` or
 * lies in any `ECOSYSTEM`/`SEMVER` range.
 * @example isAffectedBy({ ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2' }] }] }, '1.1', cmp)
 */
export function isAffectedBy(
  entry: Pick<OsvAffected, 'ranges' | 'versions'>,
  version: string,
  comparators: Comparators,
  cache?: SortedEventsCache,
): AffectedOutcome {
  const listed = entry.versions?.includes(version) ?? false;
  let fixed: string[] | undefined;
  let inRange = false;
  for (const range of entry.ranges ?? []) {
    if (!evaluatedTypes.has(range.type)) continue;
    const compare = range.type === 'SEMVER' ? comparators.semver : comparators.ecosystem;
    let result: RangeVerdict;
    try {
      result = evaluateRange(range, version, compare, cache);
    } catch (error) {
      if (error instanceof VersionError) {
        // A version listed explicitly is affected whatever the ranges say.
        if (listed) continue;
        return { kind: 'unparsable', version: error.version, reason: error.message };
      }
      throw error;
    }
    if (result.affected) {
      inRange = true;
      if (result.fixed !== undefined) (fixed ??= []).push(result.fixed);
    }
  }
  if (!listed && !inRange) return UNAFFECTED;
  return {
    kind: 'affected',
    fixedVersions: !fixed
      ? []
      : fixed.length === 1
        ? fixed
        : sortUnique(fixed, comparators.ecosystem),
  };
}

const UNAFFECTED: AffectedOutcome = Object.freeze({ kind: 'unaffected' });

interface RangeVerdict {
  affected: boolean;
  /** The `fixed` event closing the interval that holds the version, when there is one. */
  fixed?: string;
}

/** A range's events, limits apart and the rest in walk order. */
interface SortedEvents {
  walked: Event[];
  limits: Event[];
}

/**
 * Sorted events of ranges, for every version evaluated against them (the binary packages of one
 * source, several installed versions). It lives as long as the records it serves: the matcher
 * keeps one per looked-up package. (A WeakMap over every range of a run cost more in garbage
 * collection than it saved: most ranges have two events, one comparison to sort.)
 */
export class SortedEventsCache {
  #byRange = new Map<
    Pick<OsvRange, 'events'>,
    { compare: VersionComparator; sorted: SortedEvents }
  >();

  /** The events of `range` in walk order under `compare`, sorted on first use. */
  get(range: Pick<OsvRange, 'events'>, compare: VersionComparator): SortedEvents {
    const cached = this.#byRange.get(range);
    if (cached?.compare === compare) return cached.sorted;
    const sorted = sortEvents(range, compare);
    this.#byRange.set(range, { compare, sorted });
    return sorted;
  }
}

function sortEvents(range: Pick<OsvRange, 'events'>, compare: VersionComparator): SortedEvents {
  const walked: Event[] = [];
  const limits: Event[] = [];
  for (const raw of range.events) {
    const event = eventOf(raw);
    if (event === undefined) continue;
    if (event.kind === 'limit') limits.push(event);
    else walked.push(event);
  }
  // Most ranges have two events, already in order: one comparison.
  sortInPlace(walked, (a, b) => compareEvents(a, b, compare));
  return { walked, limits };
}

/**
 * Evaluates one range by the OSV walk.
 * @throws VersionError when `version` or a version of the range cannot be compared.
 */
export function evaluateRange(
  range: Pick<OsvRange, 'events'>,
  version: string,
  compare: VersionComparator,
  cache?: SortedEventsCache,
): RangeVerdict {
  const { walked, limits } = cache ? cache.get(range, compare) : sortEvents(range, compare);

  let affected = false;
  let position = walked.length;
  for (let index = 0; index < walked.length; index++) {
    const event = walked[index] as Event;
    if (event.kind === 'introduced') {
      if (event.version === '0' || compare(version, event.version) >= 0) affected = true;
      else {
        position = index;
        break;
      }
    } else if (event.kind === 'fixed') {
      if (compare(version, event.version) >= 0) affected = false;
      else {
        position = index;
        break;
      }
    } else if (compare(version, event.version) > 0) affected = false;
    else {
      position = index;
      break;
    }
  }
  if (affected && limits.length > 0) {
    affected = limits.some((l) => l.version === '*' || compare(version, l.version) < 0);
  }
  if (!affected) return NOT_IN_RANGE;
  // Every later event lies above the version; the first one that closes the interval names its fix.
  let closing: Event | undefined;
  for (let index = position; index < walked.length && !closing; index++) {
    const event = walked[index] as Event;
    if (event.kind !== 'introduced') closing = event;
  }
  return closing?.kind === 'fixed' ? { affected, fixed: closing.version } : IN_OPEN_RANGE;
}

const NOT_IN_RANGE: RangeVerdict = Object.freeze({ affected: false });
const IN_OPEN_RANGE: RangeVerdict = Object.freeze({ affected: true });

function eventOf(event: OsvEvent): Event | undefined {
  if (event.introduced !== undefined) return { kind: 'introduced', version: event.introduced };
  if (event.fixed !== undefined) return { kind: 'fixed', version: event.fixed };
  if (event.last_affected !== undefined)
    return { kind: 'last_affected', version: event.last_affected };
  if (event.limit !== undefined) return { kind: 'limit', version: event.limit };
  return undefined;
}

/** `introduced: "0"` sorts before every version; equal versions open before they close. */
function compareEvents(a: Event, b: Event, cmp: VersionComparator): number {
  const aZero = a.kind === 'introduced' && a.version === '0';
  const bZero = b.kind === 'introduced' && b.version === '0';
  if (aZero || bZero) return aZero === bZero ? 0 : aZero ? -1 : 1;
  const order = cmp(a.version, b.version);
  if (order !== 0) return order;
  return (a.kind === 'introduced' ? 0 : 1) - (b.kind === 'introduced' ? 0 : 1);
}

/** Sorts versions with `compare`, dropping duplicates; unparsable ones keep their text order. */
export function sortUnique(versions: Iterable<string>, compare: VersionComparator): string[] {
  return sortInPlace([...new Set(versions)], (a, b) => {
    try {
      return compare(a, b) || compareText(a, b);
    } catch {
      return compareText(a, b);
    }
  });
}
