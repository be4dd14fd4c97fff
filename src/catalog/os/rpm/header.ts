/**
 * The rpm header blob as rpm's databases store it (no lead, no 8-byte header magic): a big-endian
 * count of index entries and of data bytes, 16-byte index entries (tag, type, offset, count),
 * then the data store. Every read is bounds-checked; a blob that breaks the format raises
 * PACKAGE_DB_INVALID. Format: rpm's `lib/header.c` and the LSB "Package File Format".
 */
import { InvalidInputError } from '../../../errors.js';

/** Most index entries one header may declare. */
export const maxHeaderEntries = 0x10000;
/** Most data bytes one header may declare. */
export const maxHeaderDataBytes = 256 * 1024 * 1024;

/** rpm tag numbers Moat reads. */
export const rpmTags = {
  name: 1000,
  version: 1001,
  release: 1002,
  epoch: 1003,
  license: 1014,
  arch: 1022,
  sourceRpm: 1044,
} as const;

/** The tags {@link parseRpmHeader} decodes; the rest (file lists, changelogs) is never read. */
const packageTags: ReadonlySet<number> = new Set(Object.values(rpmTags));

/** Region tags (HEADER_IMAGE, HEADER_SIGNATURES, HEADER_IMMUTABLE) that frame other entries. */
const regionTags = new Set([61, 62, 63]);

/** Header data types Moat decodes (rpm's `rpmTagType`). */
const TagType = { Int32: 4, String: 6, StringArray: 8, I18nString: 9 } as const;

/** A decoded tag value: strings for string types, numbers for INT32. */
export type RpmTagValue = string[] | number[];

/** The tags of one header, by number, in the types Moat understands. */
export type RpmHeader = Map<number, RpmTagValue>;

/** The package facts read out of one header. */
export interface RpmHeaderPackage {
  name: string;
  version: string;
  release: string;
  /** Undefined when the package has no Epoch. */
  epoch?: number;
  arch: string;
  /** `name-version-release.src.rpm`, empty for source packages and gpg-pubkey entries. */
  sourceRpm: string;
  license: string;
}

function invalid(message: string): InvalidInputError {
  return new InvalidInputError('PACKAGE_DB_INVALID', `rpm header: ${message}`);
}

/** Counts the data bytes decoding has scanned, so overlapping entries cannot make it quadratic. */
class ScanBudget {
  private left: number;

  constructor(dataLength: number) {
    // Entries of a real header do not overlap: each data byte is decoded about once.
    this.left = 2 * dataLength + 4096;
  }

  spend(bytes: number, tag: number): void {
    this.left -= bytes;
    if (this.left < 0) throw invalid(`tag ${tag}: entries overlap beyond the data store`);
  }
}

/** Reads NUL-terminated strings from `data` starting at `offset`; each must end inside `data`. */
function readStrings(
  data: Buffer,
  offset: number,
  count: number,
  tag: number,
  budget: ScanBudget,
): string[] {
  const out: string[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    const end = data.indexOf(0, at);
    if (end < 0) throw invalid(`tag ${tag}: string runs past the data store`);
    budget.spend(end + 1 - at, tag);
    out.push(data.toString('utf8', at, end));
    at = end + 1;
  }
  return out;
}

/** Decodes one index entry's value; undefined for types Moat does not read. */
function decodeEntry(
  data: Buffer,
  entry: { tag: number; type: number; offset: number; count: number },
  budget: ScanBudget,
): RpmTagValue | undefined {
  const { tag, type, offset, count } = entry;
  const room = data.length - offset;
  switch (type) {
    case TagType.String:
      return readStrings(data, offset, 1, tag, budget);
    case TagType.StringArray:
    case TagType.I18nString:
      if (count > room) throw invalid(`tag ${tag}: ${count} strings`);
      return readStrings(data, offset, count, tag, budget);
    case TagType.Int32: {
      if (count > room / 4) throw invalid(`tag ${tag}: ${count} int32 values`);
      budget.spend(count * 4, tag);
      const values: number[] = [];
      for (let k = 0; k < count; k++) values.push(data.readInt32BE(offset + k * 4));
      return values;
    }
    default:
      return undefined; // binary, char and other integer types carry nothing Moat reads
  }
}

/**
 * Decodes the index and the string and INT32 tags of one header blob (only `wanted` tags when
 * given); other types are skipped. When a tag appears twice the later entry wins, as rpm lets
 * entries appended after install override the immutable region.
 * @throws InvalidInputError PACKAGE_DB_INVALID when the blob breaks the format or the limits.
 */
export function parseRpmHeaderTags(blob: Buffer, wanted?: ReadonlySet<number>): RpmHeader {
  if (blob.length < 8) throw invalid(`blob of ${blob.length} bytes is too short`);
  const entries = blob.readUInt32BE(0);
  const dataLength = blob.readUInt32BE(4);
  if (entries === 0 || entries > maxHeaderEntries) throw invalid(`${entries} index entries`);
  if (dataLength > maxHeaderDataBytes) throw invalid(`${dataLength} data bytes`);
  const dataStart = 8 + entries * 16;
  if (dataStart + dataLength > blob.length) {
    throw invalid(`declares ${dataStart + dataLength} bytes but the blob has ${blob.length}`);
  }
  const data = blob.subarray(dataStart, dataStart + dataLength);
  const last = new Map<number, { tag: number; type: number; offset: number; count: number }>();
  for (let i = 0; i < entries; i++) {
    const at = 8 + i * 16;
    const entry = {
      tag: blob.readUInt32BE(at),
      type: blob.readUInt32BE(at + 4),
      offset: blob.readUInt32BE(at + 8),
      count: blob.readUInt32BE(at + 12),
    };
    if (regionTags.has(entry.tag)) continue;
    if (entry.offset >= dataLength && entry.count > 0) {
      throw invalid(`tag ${entry.tag}: offset ${entry.offset} past data`);
    }
    if (!wanted || wanted.has(entry.tag)) last.set(entry.tag, entry);
  }
  const budget = new ScanBudget(dataLength);
  const tags: RpmHeader = new Map();
  for (const entry of last.values()) {
    const value = decodeEntry(data, entry, budget);
    if (value) tags.set(entry.tag, value);
  }
  return tags;
}

/** The first string of a tag, or '' when absent. */
function firstString(tags: RpmHeader, tag: number): string {
  const value = tags.get(tag)?.[0];
  return typeof value === 'string' ? value : '';
}

/**
 * Reads the package facts (name, epoch, version, release, arch, source rpm, licence) of one header.
 * @throws InvalidInputError PACKAGE_DB_INVALID when the blob is malformed or has no name/version.
 */
export function parseRpmHeader(blob: Buffer): RpmHeaderPackage {
  const tags = parseRpmHeaderTags(blob, packageTags);
  const name = firstString(tags, rpmTags.name);
  const version = firstString(tags, rpmTags.version);
  if (!name || !version) throw invalid('no NAME or VERSION tag');
  const epochValue = tags.get(rpmTags.epoch)?.[0];
  const pkg: RpmHeaderPackage = {
    name,
    version,
    release: firstString(tags, rpmTags.release),
    arch: firstString(tags, rpmTags.arch),
    sourceRpm: firstString(tags, rpmTags.sourceRpm),
    license: firstString(tags, rpmTags.license),
  };
  if (typeof epochValue === 'number') pkg.epoch = epochValue;
  return pkg;
}

/** The tags of an rpm header's file list: each file is `DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`. */
const fileTags = { dirIndexes: 1116, baseNames: 1117, dirNames: 1118 } as const;
const fileTagSet: ReadonlySet<number> = new Set(Object.values(fileTags));

/**
 * The absolute paths of the files one header says its package installed (empty for a header
 * without a file list, or one whose indexes point past its directory list).
 * @throws InvalidInputError PACKAGE_DB_INVALID when the blob is malformed.
 */
export function parseRpmFilePaths(blob: Buffer): string[] {
  const tags = parseRpmHeaderTags(blob, fileTagSet);
  const baseNames = tags.get(fileTags.baseNames) ?? [];
  const dirNames = tags.get(fileTags.dirNames) ?? [];
  const dirIndexes = tags.get(fileTags.dirIndexes) ?? [];
  if (baseNames.length !== dirIndexes.length) return [];
  const paths: string[] = [];
  for (const [i, base] of baseNames.entries()) {
    const dir = dirNames[Number(dirIndexes[i])];
    if (typeof dir !== 'string' || typeof base !== 'string') return [];
    paths.push(`${dir}${base}`);
  }
  return paths;
}

/**
 * Splits a source rpm file name (`util-linux-2.32.1-42.el8_8.src.rpm`) into name and
 * `version-release`; undefined when it does not have that shape.
 */
export function parseSourceRpm(sourceRpm: string): { name: string; version: string } | undefined {
  const match = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(sourceRpm);
  if (!match) return undefined;
  return { name: match[1] ?? '', version: `${match[2]}-${match[3]}` };
}
