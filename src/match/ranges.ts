/**
 * Whether one version is affected by one OSV `affected[]` entry: its explicit `versions` list and
 * its `ECOSYSTEM`/`SEMVER` ranges, evaluated as the OSV schema's "Evaluation" section describes
 * (sort the events, walk them; `introduced: "0"` opens before every version; `fixed` closes at,
 * `last_affected` after, its version; when `limit` events exist the version must sit below one).
 * `GIT` ranges and unknown types are ignored. A version the comparator cannot parse — installed
 * or in the record — gives the distinct outcome `unparsable`, never a guess either way.
 */
import { compareText } from '../util/order.js';
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

/** Thrown inside the walk to carry an unparsable version out. */
class Unparsable extends Error {
  constructor(readonly error: VersionError) {
    super(error.message);
  }
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
): AffectedOutcome {
  const listed = entry.versions?.includes(version) ?? false;
  const fixed: string[] = [];
  let inRange = false;
  for (const range of entry.ranges ?? []) {
    if (!evaluatedTypes.has(range.type)) continue;
    const compare = range.type === 'SEMVER' ? comparators.semver : comparators.ecosystem;
    let result: RangeVerdict;
    try {
      result = evaluateRange(range, version, compare);
    } catch (error) {
      if (error instanceof Unparsable) {
        // A version listed explicitly is affected whatever the ranges say.
        if (listed) continue;
        return { kind: 'unparsable', version: error.error.version, reason: error.error.message };
      }
      throw error;
    }
    if (result.affected) {
      inRange = true;
      if (result.fixed !== undefined) fixed.push(result.fixed);
    }
  }
  if (!listed && !inRange) return { kind: 'unaffected' };
  return { kind: 'affected', fixedVersions: sortUnique(fixed, comparators.ecosystem) };
}

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

// Ranges are shared by every version of a package evaluated together (binary packages of one
// source, several installed versions): their events are sorted once per comparator. Weak, so
// they go with the records.
const sortedCache = new WeakMap<
  Pick<OsvRange, 'events'>,
  WeakMap<VersionComparator, SortedEvents>
>();

function sortedEvents(range: Pick<OsvRange, 'events'>, compare: VersionComparator): SortedEvents {
  let byComparator = sortedCache.get(range);
  if (!byComparator) sortedCache.set(range, (byComparator = new WeakMap()));
  let sorted = byComparator.get(compare);
  if (!sorted) {
    const cmp = guarded(compare);
    const events = range.events.map(eventOf).filter((e): e is Event => e !== undefined);
    const walked = events.filter((e) => e.kind !== 'limit');
    walked.sort((a, b) => compareEvents(a, b, cmp));
    sorted = { walked, limits: events.filter((e) => e.kind === 'limit') };
    byComparator.set(compare, sorted);
  }
  return sorted;
}

/** Evaluates one range by the OSV walk; throws {@link Unparsable}. */
export function evaluateRange(
  range: Pick<OsvRange, 'events'>,
  version: string,
  compare: VersionComparator,
): RangeVerdict {
  const cmp = guarded(compare);
  const { walked, limits } = sortedEvents(range, compare);

  let affected = false;
  let position = walked.length;
  for (let index = 0; index < walked.length; index++) {
    const event = walked[index] as Event;
    if (event.kind === 'introduced') {
      if (event.version === '0' || cmp(version, event.version) >= 0) affected = true;
      else {
        position = index;
        break;
      }
    } else if (event.kind === 'fixed') {
      if (cmp(version, event.version) >= 0) affected = false;
      else {
        position = index;
        break;
      }
    } else if (cmp(version, event.version) > 0) affected = false;
    else {
      position = index;
      break;
    }
  }
  if (affected && limits.length > 0) {
    affected = limits.some((l) => l.version === '*' || cmp(version, l.version) < 0);
  }
  if (!affected) return { affected };
  // Every later event lies above the version; the first one that closes the interval names its fix.
  let closing: Event | undefined;
  for (let index = position; index < walked.length && !closing; index++) {
    const event = walked[index] as Event;
    if (event.kind !== 'introduced') closing = event;
  }
  return closing?.kind === 'fixed' ? { affected, fixed: closing.version } : { affected };
}

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

function guarded(compare: VersionComparator): VersionComparator {
  return (a, b) => {
    try {
      return compare(a, b);
    } catch (error) {
      if (error instanceof VersionError) throw new Unparsable(error);
      throw error;
    }
  };
}

/** Sorts versions with `compare`, dropping duplicates; unparsable ones keep their text order. */
export function sortUnique(versions: Iterable<string>, compare: VersionComparator): string[] {
  const unique = [...new Set(versions)];
  return unique.sort((a, b) => {
    try {
      return compare(a, b) || compareText(a, b);
    } catch {
      return compareText(a, b);
    }
  });
}
